"""A person's corrections to what the pipeline produced: action items and resolution."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlmodel import Session

from agent.calls import CallStateError
from agent.domain import CallStatus, Resolution
from agent.tables import ActionItem, Call, Summary, utcnow

EDITABLE_STATUSES = (CallStatus.REVIEW, CallStatus.DONE, CallStatus.FAILED)


class ActionItemEdit(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    due_date: dt.date | None = None


def edit_action_item(session: Session, call: Call, item_id: str, edit: ActionItemEdit) -> bool:
    """Change one action item; returns whether the call must sync again to carry the change."""
    item = session.get(ActionItem, item_id)
    if item is None or item.call_id != call.id:
        raise LookupError(f"call {call.id} has no action item {item_id!r}")
    _check_editable(call)
    item.description, item.owner, item.due_date = (
        edit.description.strip(),
        edit.owner,
        edit.due_date,
    )
    session.add(item)
    return _resync_if_synced(session, call)


def set_resolution(session: Session, call: Call, resolution: Resolution) -> bool:
    """Correct the call's resolution; returns whether the call must sync again."""
    summary = session.get(Summary, call.id)
    if summary is None:
        raise CallStateError("this call has no summary yet")
    _check_editable(call)
    summary.resolution = resolution.value
    session.add(summary)
    return _resync_if_synced(session, call)


def _check_editable(call: Call) -> None:
    if CallStatus(call.status) not in EDITABLE_STATUSES:
        raise CallStateError(f"the call is still being processed ({call.status}); try again soon")


def _resync_if_synced(session: Session, call: Call) -> bool:
    # A call already in the CRM is sent again; the outbox turns the changes into updates.
    if call.status != CallStatus.DONE.value:
        return False
    call.status = CallStatus.SYNCING.value
    call.updated_at = utcnow()
    session.add(call)
    return True
