"""Corrections made on the review page, one field at a time.

A call in review stays in review until a lead approves it; a call that already rests (synced,
failed or unmatched) syncs again, so the CRM's records are updated in place.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import Session

from agent.auth.keys import Principal
from agent.calls import edits as call_edits
from agent.core.call_states import CallStatus
from agent.core.domain import Resolution
from agent.core.moments import IsoDate
from agent.core.tables import Call


class ActionItemForm(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    due_date: IsoDate | None = None


def edit_action_item(
    session: Session, call: Call, item_id: str, form: ActionItemForm, editor: Principal
) -> bool:
    """Change one action item; returns whether the call must sync again to carry the change."""
    item = call_edits.ActionItemEdit(
        id=item_id,
        description=form.description.strip(),
        owner=form.owner.strip(),
        due_date=form.due_date,
    )
    return _apply(session, call, call_edits.CallEdit(action_items=[item]), editor)


def set_resolution(session: Session, call: Call, resolution: Resolution, editor: Principal) -> bool:
    """Correct the call's resolution; returns whether the call must sync again."""
    return _apply(session, call, call_edits.CallEdit(resolution=resolution), editor)


def _apply(session: Session, call: Call, change: call_edits.CallEdit, editor: Principal) -> bool:
    if call.status == CallStatus.REVIEW:
        call_edits.apply_changes(session, call, change)
        return False
    call_edits.edit(session, call, change, editor)
    return True
