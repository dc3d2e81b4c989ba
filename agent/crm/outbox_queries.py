"""The outbox's queries: what waits to be prepared, what is due, and the rows locked to record
results. Locks are always taken in id order, so two flushes never deadlock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from agent.core.call_states import CallStatus
from agent.core.domain import OutboxStatus
from agent.core.tables import ActionItem, Call, CrmOutbox


@dataclass(frozen=True)
class PendingWork:
    """What waits for the CRM across every process: records, and since when the oldest waits."""

    records: int
    oldest: dt.datetime | None
    retries: int = 0
    """Due rows the CRM failed before: their backoff has run, they wait for nothing else."""


def _unprepared() -> ColumnElement[bool]:
    return and_(col(Call.status) == CallStatus.SYNCING, col(Call.crm_outbox_filled_at).is_(None))


def unprepared_calls() -> SelectOfScalar[Call]:
    """Calls waiting in ``syncing`` for their outbox to be filled, oldest first."""
    return select(Call).where(_unprepared()).order_by(col(Call.created_at), col(Call.id))


def _due(now: dt.datetime) -> ColumnElement[bool]:
    return and_(
        col(CrmOutbox.status) == OutboxStatus.PENDING,
        col(Call.status) == CallStatus.SYNCING,
        col(Call.crm_outbox_filled_at).is_not(None),
        or_(col(CrmOutbox.next_attempt_at).is_(None), col(CrmOutbox.next_attempt_at) <= now),
    )


def due_rows(now: dt.datetime) -> SelectOfScalar[CrmOutbox]:
    """Outbox rows to send now: pending, of a call still syncing, past any backoff; by kind of
    record, so that each batch read fills whole requests of one object type."""
    return (
        select(CrmOutbox)
        .join(Call, col(Call.id) == CrmOutbox.call_id)
        .where(_due(now))
        .order_by(col(CrmOutbox.object_type), col(CrmOutbox.id))
    )


def due_row_ids(session: Session, now: dt.datetime) -> list[int]:
    query = select(CrmOutbox.id).join(Call, col(Call.id) == CrmOutbox.call_id).where(_due(now))
    return [row_id for row_id in session.exec(query) if row_id is not None]


def pending_work(session: Session, now: dt.datetime) -> PendingWork:
    """Records waiting: due outbox rows, and for each call not yet prepared its activity and
    action items (a lower bound: Case and deal updates are known once it is prepared). The
    oldest waits since its call moved to ``syncing``, or since its outbox row was made."""
    calls, since = session.exec(
        select(func.count(), func.min(Call.updated_at)).where(_unprepared())
    ).one()
    items = session.exec(
        select(func.count()).select_from(ActionItem).join(Call).where(_unprepared())
    ).one()
    rows, row_since, retries = session.exec(
        select(
            func.count(), func.min(CrmOutbox.created_at), func.count(col(CrmOutbox.next_attempt_at))
        )
        .join(Call, col(Call.id) == CrmOutbox.call_id)
        .where(_due(now))
    ).one()
    oldest = min((_aware(m) for m in (since, row_since) if m is not None), default=None)
    return PendingWork(calls + items + rows, oldest, retries)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def locked_calls(session: Session, call_ids: list[str]) -> list[Call]:
    """The calls, locked in id order as the settling step locks them, then oldest first."""
    query = select(Call).where(col(Call.id).in_(call_ids)).order_by(col(Call.id))
    calls = list(session.exec(query.with_for_update()))
    return sorted(calls, key=lambda call: (call.created_at, call.id))


def locked_rows(session: Session, row_ids: list[int]) -> dict[int, CrmOutbox]:
    """The outbox rows by id, locked in id order."""
    query = (
        select(CrmOutbox)
        .where(col(CrmOutbox.id).in_(row_ids))
        .order_by(col(CrmOutbox.id))
        .with_for_update()
    )
    return {row.id: row for row in session.exec(query) if row.id is not None}


def mark_sending(session: Session, row_ids: list[int], note: str) -> None:
    """Puts ``note`` as the last error of the rows (one statement)."""
    session.execute(update(CrmOutbox).where(col(CrmOutbox.id).in_(row_ids)).values(last_error=note))
