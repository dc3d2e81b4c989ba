"""What a person does to a call, one function each, shared by the JSON API and the web forms.

Each use case changes rows and flushes but never commits: the caller's boundary commits once,
then runs the work registered here in one order: queue the call, then publish its event.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from agent.auth.keys import Principal
from agent.calls import conversations, edits, review_edits, service
from agent.core.call_states import CallStatus
from agent.core.domain import ChannelMap, Resolution
from agent.core.ports import AudioSink, AudioStore, CallEvents, CallQueue
from agent.core.tables import Call
from agent.core.transactions import after_commit

APPROVED = "call.approved"


def approve_call(
    session: Session, call: Call, approver: Principal | None, queue: CallQueue, events: CallEvents
) -> None:
    """A lead approves a call in review; after the commit it syncs to the CRM."""
    service.approve(session, call, approver)
    session.flush()
    _enqueue(session, call, queue)
    _publish(session, call, events, APPROVED)


def edit_call(
    session: Session,
    call: Call,
    change: edits.CallEdit,
    editor: Principal | None,
    queue: CallQueue,
    events: CallEvents,
) -> None:
    """A lead corrects a call: one in review is released to the CRM, a synced one syncs again."""
    was_in_review = call.status == CallStatus.REVIEW
    edits.edit(session, call, change, editor)
    session.flush()
    _enqueue(session, call, queue)
    if was_in_review:
        _publish(session, call, events, APPROVED, edited=True)


def link_call(session: Session, call: Call, links: edits.CrmLinkEdit, queue: CallQueue) -> None:
    """Attach an unmatched call to CRM records by hand; after the commit it syncs."""
    edits.link(session, call, links)
    session.flush()
    _enqueue(session, call, queue)


def retry_call(session: Session, call: Call, queue: CallQueue) -> None:
    """Send a failed call back to the stage it failed in; after the commit it runs again."""
    service.retry(session, call)
    session.flush()
    _enqueue(session, call, queue)


def edit_action_item(
    session: Session,
    call: Call,
    item_id: str,
    form: review_edits.ActionItemForm,
    editor: Principal,
    queue: CallQueue,
) -> None:
    """Change one action item from the review page; a call at rest syncs again."""
    if review_edits.edit_action_item(session, call, item_id, form, editor):
        _enqueue(session, call, queue)
    session.flush()


def change_action_items(
    session: Session, call: Call, change: Callable[[], bool], queue: CallQueue
) -> None:
    """Add, complete or remove an action item from the review page (``change`` does it and
    says whether the call must sync again); a call at rest syncs again."""
    if change():
        _enqueue(session, call, queue)
    session.flush()


def set_resolution(
    session: Session, call: Call, resolution: Resolution, editor: Principal, queue: CallQueue
) -> None:
    """Correct the resolution from the review page; a call at rest syncs again."""
    if review_edits.set_resolution(session, call, resolution, editor):
        _enqueue(session, call, queue)
    session.flush()


def receive_call(
    session: Session,
    store: AudioStore,
    sink: AudioSink,
    filename: str,
    meta: service.CallMetadata,
    default_channel_map: ChannelMap | str,
    uploader: Principal | None,
    queue: CallQueue,
) -> Call:
    """Make a call of received audio; it is queued after the commit, its audio deleted if the
    transaction rolls back."""
    call = service.create_call(session, store, sink, filename, meta, default_channel_map, uploader)
    _enqueue(session, call, queue)
    return call


def receive_conversation(
    session: Session,
    given: conversations.ConversationIn,
    uploader: Principal | None,
    queue: CallQueue,
) -> Call:
    """Keep a text conversation as a call; after the commit it is queued for its summary."""
    call = conversations.create_conversation(session, given, uploader)
    _enqueue(session, call, queue)
    return call


def _enqueue(session: Session, call: Call, queue: CallQueue) -> None:
    call_id = call.id
    after_commit(session, lambda: queue.submit(call_id))


def _publish(
    session: Session, call: Call, events: CallEvents, event_type: str, **data: object
) -> None:
    call_id = call.id
    after_commit(session, lambda: events.publish(event_type, call_id, **data))
