"""The audit log, for admins: who read or changed what, when, and from where."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from agent.audit import log as audit
from agent.audit.log import Action, AuditFilters
from agent.audit.tables import AuditEvent
from agent.core.errors import InvalidInput
from agent.core.moments import IsoDateTime
from api.deps import AdminDep, SessionDep
from api.error_responses import errors
from api.ids import Offset

router = APIRouter(prefix="/api/v1", tags=["audit"])


class AuditEntry(BaseModel):
    """One recorded action."""

    id: int
    at: dt.datetime
    action: Action
    via: audit.Via
    actor: str
    key_id: int | None
    key_prefix: str | None
    address: str | None
    call_id: str | None
    target: str | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
    limit: int
    offset: int


def _entry(row: AuditEvent) -> AuditEntry:
    assert row.id is not None
    at = row.at if row.at.utcoffset() is not None else row.at.replace(tzinfo=dt.UTC)
    return AuditEntry(
        id=row.id,
        at=at,
        action=Action(row.action),
        via=audit.Via(row.via),
        actor=row.actor,
        key_id=row.key_id,
        key_prefix=row.key_prefix,
        address=row.address,
        call_id=row.call_id,
        target=row.target,
    )


@router.get("/audit", response_model=AuditPage, responses=errors(401, 403, 422, 429))
def list_audit(
    session: SessionDep,
    principal: AdminDep,
    actor: Annotated[
        str | None, Query(max_length=200, description="A key's prefix or its holder's name.")
    ] = None,
    action: Action | None = None,
    call_id: Annotated[str | None, Query(max_length=32)] = None,
    start: Annotated[
        IsoDateTime | None, Query(alias="from", description="ISO 8601; from this instant on.")
    ] = None,
    end: Annotated[
        IsoDateTime | None, Query(alias="to", description="ISO 8601; before this instant.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> AuditPage:
    """Recorded actions newest first: reads and downloads of calls, transcripts and recordings,
    edits, approvals, links, retries, uploads, sign-ins, and keys created or revoked."""
    if start and end and start >= end:
        raise InvalidInput("'from' must be before 'to'")
    filters = AuditFilters(actor, action, call_id, start, end)
    rows, total = audit.find(session, filters, limit, offset)
    return AuditPage(items=[_entry(row) for row in rows], total=total, limit=limit, offset=offset)
