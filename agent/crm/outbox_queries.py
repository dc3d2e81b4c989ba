"""The outbox's queries: what waits to be prepared, what is due, and the rows locked to record
results. Locks are always taken in id order, so two flushes never deadlock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from agent.core.call_states import CallStatus
from agent.core.domain import OutboxStatus
from agent.core.tables import Call, CrmOutbox


def unprepared_calls() -> SelectOfScalar[Call]:
    """Calls waiting in ``syncing`` for their outbox to be filled, oldest first."""
    return (
        select(Call)
        .where(Call.status == CallStatus.SYNCING, col(Call.crm_outbox_filled_at).is_(None))
        .order_by(col(Call.created_at), col(Call.id))
    )


def due_rows(now: dt.datetime) -> SelectOfScalar[CrmOutbox]:
    """Outbox rows to send now: pending, of a call still syncing, past any backoff."""
    return (
        select(CrmOutbox)
        .join(Call, col(Call.id) == CrmOutbox.call_id)
        .where(
            CrmOutbox.status == OutboxStatus.PENDING,
            Call.status == CallStatus.SYNCING,
            col(Call.crm_outbox_filled_at).is_not(None),
            or_(col(CrmOutbox.next_attempt_at).is_(None), col(CrmOutbox.next_attempt_at) <= now),
        )
        .order_by(col(CrmOutbox.id))
    )


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
