"""A lead's changes to a reviewed or synced call, and links to CRM records for a held call."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from agent.auth.keys import Principal
from agent.calls.service import CallStateError
from agent.core.call_states import EDITABLE_STATUSES, CallStatus, move
from agent.core.domain import Priority, Resolution
from agent.core.moments import IsoDate
from agent.core.tables import ActionItem, Call, Summary, utcnow
from agent.processing.owners import named_owner, party_names


class ActionItemEdit(BaseModel):
    id: str = Field(max_length=32)
    description: str | None = Field(None, min_length=1, max_length=2000)
    owner: str | None = Field(None, min_length=1, max_length=200)
    owner_role: str | None = Field(
        None,
        pattern="^(agent|customer)$",
        description="Omitted with an owner: the agent's or customer's role if the name is theirs.",
    )
    due_date: IsoDate | None = None
    status: str | None = Field(None, pattern="^(open|done)$")
    priority: Priority | None = None


class CallEdit(BaseModel):
    """Corrections to a call's summary and action items; omitted fields stay as they are."""

    summary: str | None = Field(None, min_length=1, max_length=20_000)
    key_points: list[str] | None = None
    resolution: Resolution | None = None
    action_items: list[ActionItemEdit] = Field(default_factory=list)


class CrmLinkEdit(BaseModel):
    contact_id: str | None = Field(None, max_length=64)
    account_id: str | None = Field(None, max_length=64)
    case_id: str | None = Field(None, max_length=64)
    opportunity_id: str | None = Field(
        None, max_length=64, description="The deal a sales call is about; its Account is used."
    )


def edit(session: Session, call: Call, change: CallEdit, editor: Principal | None) -> None:
    """Apply a lead's corrections; the call then (re-)syncs, updating the CRM's records."""
    apply_changes(session, call, change)
    resync(session, call, editor)


def resync(session: Session, call: Call, editor: Principal | None) -> None:
    """After a correction to a call at rest: send it to the CRM again."""
    if call.status != CallStatus.UNMATCHED:
        _release(call)
    if call.approved_at is None:
        call.approved_at = utcnow()
        call.approved_by_key_id = editor.key_id if editor else None
    session.add(call)


def apply_changes(session: Session, call: Call, change: CallEdit) -> None:
    """Write the corrections only; the call stays where it is (a review goes on)."""
    summary = editable_summary(session, call)
    _edit_summary(summary, change)
    _edit_items(session, call, change.action_items)
    session.add(summary)


def editable_summary(session: Session, call: Call) -> Summary:
    """The call's summary, if the call may be edited now; ``CallStateError`` if not."""
    if CallStatus(call.status) not in EDITABLE_STATUSES:
        raise CallStateError(
            f"a call can be edited in review or once it rests; this one is {call.status}"
        )
    summary = session.get(Summary, call.id)
    if summary is None:
        raise CallStateError("this call has no summary to edit yet")
    return summary


def _edit_summary(summary: Summary, change: CallEdit) -> None:
    if change.summary is not None:
        summary.text = change.summary
    if change.key_points is not None:
        summary.key_points = list(change.key_points)
    if change.resolution is not None:
        summary.resolution = change.resolution.value


def _edit_items(session: Session, call: Call, edits: list[ActionItemEdit]) -> None:
    items = {
        item.id: item
        for item in session.exec(select(ActionItem).where(col(ActionItem.call_id) == call.id))
    }
    unknown = [e.id for e in edits if e.id not in items]
    if unknown:
        raise CallStateError(f"this call has no action item(s) {', '.join(unknown)}")
    for item_edit in edits:
        item = items[item_edit.id]
        for name, value in _item_changes(session, call, item_edit).items():
            setattr(item, name, value)
        session.add(item)


def _item_changes(session: Session, call: Call, item_edit: ActionItemEdit) -> dict[str, object]:
    changes = item_edit.model_dump(exclude_unset=True, exclude={"id"})
    if item_edit.owner is not None and "owner_role" not in changes:
        changes["owner"], changes["owner_role"] = named_owner(
            item_edit.owner, party_names(session, call)
        )
    return changes


def link(session: Session, call: Call, links: CrmLinkEdit) -> None:
    """Attach a held (unmatched) call to CRM records by hand; it then syncs."""
    if call.status != CallStatus.UNMATCHED:
        raise CallStateError(f"only an unmatched call needs links; this one is {call.status}")
    if not (links.contact_id or links.account_id or links.opportunity_id):
        raise CallStateError(
            "give a contact_id, an account_id or an opportunity_id to link the call to"
        )
    call.crm_contact_id = links.contact_id or call.crm_contact_id
    call.crm_account_id = links.account_id or call.crm_account_id
    call.crm_case_id = links.case_id or call.crm_case_id
    call.crm_opportunity_id = links.opportunity_id or call.crm_opportunity_id
    call.crm_matched_at = None  # match again: the owner and the contact's open case
    _release(call)
    session.add(call)


def _release(call: Call) -> None:
    move(call, CallStatus.SYNCING)
    call.crm_hold_reason, call.crm_outbox_filled_at = None, None
