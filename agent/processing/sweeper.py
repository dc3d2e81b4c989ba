"""The sweeper: no single fault may leave a call stuck.

Two kinds of call are handed on again. A call whose lease expired, or whose lease names a process
on this host that is gone: its worker died mid-stage (killed with its process group, out of
memory). And a call that no worker holds, waiting longer than a deadline in a stage no queue may
still hold a message for: the message was lost (a flushed Redis, a send that failed after the
commit). Running a stage twice is safe (leases and status checks make the second one a no-op), so
the sweeper errs on the side of sending again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine, select
from sqlmodel import col

from agent.core.call_states import UNFINISHED_STATUSES, CallStatus
from agent.core.tables import Call, utcnow
from agent.processing.leases import owner_is_dead, release

log = logging.getLogger(__name__)

# Calls in ``syncing`` are driven by the CRM outbox's periodic flush, which finds them by status.
STALLABLE_STATUSES = UNFINISHED_STATUSES - {CallStatus.SYNCING}


class SweptQueue(Protocol):
    """The queue the sweeper sends calls to, and asks whether it may still hold one."""

    def submit(self, call_id: str) -> None: ...

    def may_hold(self, call_id: str, status: CallStatus) -> bool:
        """False only when no message for this call's stage can be waiting in the queue."""
        ...


@dataclass(frozen=True)
class SweepPolicy:
    stuck_after_s: float = 120.0


@dataclass
class SweepReport:
    expired: list[str] = field(default_factory=list)
    stalled: list[str] = field(default_factory=list)

    @property
    def resubmitted(self) -> list[str]:
        return self.expired + self.stalled


@dataclass(frozen=True)
class _Row:
    call_id: str
    status: CallStatus
    lease_owner: str | None
    lease_expires_at: dt.datetime | None
    updated_at: dt.datetime


def sweep(engine: Engine, queue: SweptQueue, policy: SweepPolicy) -> SweepReport:
    """Free dead workers' leases and send stuck calls to the queue again."""
    now, report = utcnow(), SweepReport()
    for row in _unfinished(engine):
        if row.lease_owner is not None:
            if _lease_dead(row, now) and release(engine, row.call_id, row.lease_owner):
                report.expired.append(row.call_id)
        elif _stalled(row, now, policy) and not queue.may_hold(row.call_id, row.status):
            report.stalled.append(row.call_id)
    for call_id in report.resubmitted:
        queue.submit(call_id)
    if report.resubmitted:
        log.warning(
            "sweeper: %d call(s) of dead workers and %d stalled call(s) sent again: %s",
            len(report.expired),
            len(report.stalled),
            ", ".join(report.resubmitted[:10]),
        )
    return report


def release_dead_leases(engine: Engine) -> list[str]:
    """Free the leases of processes on this host that are gone (a restart after a kill)."""
    now, freed = utcnow(), []
    for row in _unfinished(engine):
        owner = row.lease_owner
        if owner is not None and _lease_dead(row, now) and release(engine, row.call_id, owner):
            freed.append(row.call_id)
    return freed


def _unfinished(engine: Engine) -> list[_Row]:
    statuses = [status.value for status in UNFINISHED_STATUSES]
    query = (
        select(
            col(Call.id),
            col(Call.status),
            col(Call.lease_owner),
            col(Call.lease_expires_at),
            col(Call.updated_at),
        )
        .where(col(Call.status).in_(statuses))
        .order_by(col(Call.created_at))
    )
    with engine.connect() as connection:
        return [_Row(*values) for values in connection.execute(query)]


def _lease_dead(row: _Row, now: dt.datetime) -> bool:
    assert row.lease_owner is not None
    expired = row.lease_expires_at is None or _aware(row.lease_expires_at) < now
    return expired or owner_is_dead(row.lease_owner)


def _stalled(row: _Row, now: dt.datetime, policy: SweepPolicy) -> bool:
    waited = (now - _aware(row.updated_at)).total_seconds()
    return row.status in STALLABLE_STATUSES and waited > policy.stuck_after_s


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
