"""Corrections made on the review page, one field at a time.

A call in review stays in review until a lead approves it; a call that already rests (synced,
failed or unmatched) syncs again, so the CRM's records are updated in place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from agent.auth.keys import Principal
from agent.calls import edits as call_edits
from agent.calls.service import CallStateError
from agent.core.call_states import CallStatus
from agent.core.domain import Priority, Resolution
from agent.core.errors import Conflict
from agent.core.moments import IsoDate
from agent.core.tables import ActionItem, Call, CrmOutbox
from agent.crm.payloads import action_item_external_id

ItemStatus = Literal["open", "done"]
OwnerRole = Literal["agent", "customer"]


class ActionItemForm(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    owner_role: OwnerRole | None = None
    due_date: IsoDate | None = None
    priority: Priority | None = None
    status: ItemStatus | None = None


def edit_action_item(
    session: Session, call: Call, item_id: str, form: ActionItemForm, editor: Principal
) -> bool:
    """Change one action item; returns whether the call must sync again to carry the change."""
    item = call_edits.ActionItemEdit(
        id=item_id,
        description=form.description.strip(),
        owner=form.owner.strip(),
        owner_role=form.owner_role,
        due_date=form.due_date,
        **form.model_dump(include={"priority", "status"}, exclude_none=True),
    )
    return _apply(session, call, call_edits.CallEdit(action_items=[item]), editor)


def set_item_status(
    session: Session, call: Call, item_id: str, status: ItemStatus, editor: Principal
) -> bool:
    """Mark an action item done (or open again); returns whether the call must sync again."""
    item = call_edits.ActionItemEdit(id=item_id, status=status)
    return _apply(session, call, call_edits.CallEdit(action_items=[item]), editor)


def add_action_item(session: Session, call: Call, form: ActionItemForm, editor: Principal) -> bool:
    """A new action item after the others; returns whether the call must sync again."""
    call_edits.editable_summary(session, call)
    last = session.exec(
        select(func.max(ActionItem.position)).where(col(ActionItem.call_id) == call.id)
    ).one()
    session.add(
        ActionItem(
            call_id=call.id,
            position=(last + 1) if last is not None else 0,
            description=form.description.strip(),
            owner=form.owner.strip(),
            owner_role=form.owner_role,
            due_date=form.due_date,
            priority=(form.priority or Priority.NORMAL).value,
            status=form.status or "open",
        )
    )
    return _settle(session, call, editor)


def remove_action_item(session: Session, call: Call, item_id: str, editor: Principal) -> bool:
    """Drop an action item the CRM has not been sent; one it has is marked done instead, so
    its task there does not linger open (``Conflict`` says so)."""
    call_edits.editable_summary(session, call)
    item = session.get(ActionItem, item_id)
    if item is None or item.call_id != call.id:
        raise CallStateError(f"this call has no action item(s) {item_id}")
    sent = select(CrmOutbox.id).where(CrmOutbox.external_id == action_item_external_id(item))
    if session.exec(sent).first() is not None:
        raise Conflict("this action item is already a task in the CRM; mark it done instead")
    session.delete(item)
    return _settle(session, call, editor)


def set_resolution(session: Session, call: Call, resolution: Resolution, editor: Principal) -> bool:
    """Correct the call's resolution; returns whether the call must sync again."""
    return _apply(session, call, call_edits.CallEdit(resolution=resolution), editor)


def _apply(session: Session, call: Call, change: call_edits.CallEdit, editor: Principal) -> bool:
    call_edits.apply_changes(session, call, change)
    return _settle(session, call, editor)


def _settle(session: Session, call: Call, editor: Principal) -> bool:
    """A call in review stays there; one at rest syncs again (True)."""
    if call.status == CallStatus.REVIEW:
        return False
    call_edits.resync(session, call, editor)
    return True
