"""Writing, reading and purging the audit log.

A change is recorded in the transaction that makes it, so the record and the change commit or
roll back together. A read changes nothing, so it is recorded in a small transaction of its own.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, func, or_, select

from agent.audit.tables import AuditEvent
from agent.auth.keys import Principal, Role, key_prefix
from agent.core.moments import with_offset
from agent.core.tables import utcnow
from agent.core.transactions import unit_of_work

# Retention is counted in days: purging once an hour keeps the log within an hour of it.
PURGE_INTERVAL_S = 3600.0


class Action(enum.StrEnum):
    CALL_UPLOADED = "call.uploaded"
    CALL_VIEWED = "call.viewed"
    TRANSCRIPT_DOWNLOADED = "transcript.downloaded"
    RECORDING_DOWNLOADED = "recording.downloaded"
    CALL_EDITED = "call.edited"
    CALL_APPROVED = "call.approved"
    CALL_LINKED = "call.linked"
    CALL_RETRIED = "call.retried"
    KEY_CREATED = "key.created"
    KEY_REVOKED = "key.revoked"
    SIGNED_IN = "session.signed_in"


class Via(enum.StrEnum):
    API = "api"
    WEB = "web"
    CLI = "cli"


@dataclass(frozen=True)
class Actor:
    """Who acts, through which door, from where: a key's holder, or someone at the console."""

    name: str
    via: Via
    address: str | None = None
    key_id: int | None = None
    key_prefix: str | None = None

    @classmethod
    def of(cls, principal: Principal, via: Via, address: str | None) -> Actor:
        return cls(principal.name, via, address, principal.key_id, principal.prefix or None)


def record(
    session: Session,
    actor: Actor,
    action: Action,
    call_id: str | None = None,
    target: str | None = None,
) -> None:
    """Add a record to the caller's transaction: it commits with the change it describes."""
    session.add(
        AuditEvent(
            action=action.value,
            via=actor.via.value,
            key_id=actor.key_id,
            key_prefix=actor.key_prefix,
            actor=actor.name[:200],
            address=actor.address[:64] if actor.address else None,
            call_id=call_id,
            target=target[:200] if target else None,
        )
    )
    session.flush()


def key_described(token: str, role: Role, name: str) -> str:
    """A new key as the log names it: its public prefix, role and holder; never its secret."""
    return f"key {key_prefix(token)} ({role.value}, {name.strip()})"


def record_read(engine: Engine, actor: Actor, action: Action, call_id: str | None = None) -> None:
    """Record a read in a transaction of its own."""
    with unit_of_work(engine) as session:
        record(session, actor, action, call_id)


@dataclass(frozen=True)
class AuditFilters:
    """``actor`` matches a key's prefix or the actor's name exactly; times are [from, to)."""

    actor: str | None = None
    action: Action | None = None
    call_id: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def _utc(moment: dt.datetime) -> dt.datetime:
    return with_offset(moment).astimezone(dt.UTC)


def find(
    session: Session, filters: AuditFilters, limit: int, offset: int
) -> tuple[list[AuditEvent], int]:
    """Records newest first, one page of them, and how many match in all."""
    query = select(AuditEvent)
    if filters.actor:
        query = query.where(
            or_(AuditEvent.actor == filters.actor, AuditEvent.key_prefix == filters.actor)
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action.value)
    if filters.call_id:
        query = query.where(AuditEvent.call_id == filters.call_id)
    if filters.start:
        query = query.where(col(AuditEvent.at) >= _utc(filters.start))
    if filters.end:
        query = query.where(col(AuditEvent.at) < _utc(filters.end))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    return list(session.exec(page.limit(limit).offset(offset))), total


def purge(session: Session, retention_days: int, now: dt.datetime | None = None) -> int:
    """Delete the records older than ``retention_days``; how many went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    result = session.exec(delete(AuditEvent).where(col(AuditEvent.at) < cutoff))
    return int(result.rowcount or 0)


def purge_apart(engine: Engine, retention_days: int) -> int:
    """``purge`` in a transaction of its own: for the periodic job and the command line."""
    with unit_of_work(engine) as session:
        return purge(session, retention_days)
