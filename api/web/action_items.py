"""The call page's action items: add, edit, complete (or reopen) and remove.

Each needs a lead or admin, as ``PATCH /api/v1/calls/{id}`` does; a call at rest syncs again
so the CRM's tasks follow. Blank optional fields are unset: no due date, normal priority. The
owner is required: one of the page's choices (the agent, the customer, a known user) or any
other name.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from agent.audit import log as audit
from agent.audit.log import Action, Actor
from agent.calls import review_edits as review
from agent.calls import use_cases
from agent.calls.owner_choices import chosen_owner, owner_choices
from agent.calls.speakers import speakers_of, transcript_labels
from agent.core.errors import InvalidInput
from agent.core.tables import Call
from api.deps import RunnerDep, SessionDep
from api.web.auth import FormVisitorDep, WebActorDep, require_role, visible_call_or_404
from api.web.form_checks import blank_is_none, readable
from api.web.forms import EDITORS

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form()]


def _back_to(call: Call) -> RedirectResponse:
    return RedirectResponse(f"/calls/{call.id}#action-items", status.HTTP_303_SEE_OTHER)


def _record(session: Session, actor: Actor, call: Call, what: str) -> None:
    audit.record(session, actor, Action.CALL_EDITED, call.id, what[:200])


def _item_form(session: Session, call: Call, **fields: str) -> review.ActionItemForm:
    """The form's fields, blank ones unset, the owner read from the page's choices;
    ``InvalidInput`` naming what is wrong."""
    given = {name: value.strip() for name, value in fields.items()}
    choices = owner_choices(session, call, speakers_of(call, transcript_labels(session, call.id)))
    owner, role = chosen_owner(given["owner"], choices)
    try:
        return review.ActionItemForm.model_validate(
            {
                name: blank_is_none(value) if name != "description" else value
                for name, value in given.items()
            }
            | {"owner": owner, "owner_role": role}
        )
    except ValidationError as error:
        raise InvalidInput(readable(error.errors())) from error


@router.post("/calls/{call_id}/items")
def add_item(
    call_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
    description: FormText = "",
    owner: FormText = "",
    due_date: FormText = "",
    priority: FormText = "",
) -> RedirectResponse:
    require_role(visitor.principal, *EDITORS)
    call = visible_call_or_404(session, call_id, visitor)
    form = _item_form(
        session, call, description=description, owner=owner, due_date=due_date, priority=priority
    )
    change = partial(review.add_action_item, session, call, form, visitor.principal)
    use_cases.change_action_items(session, call, change, runner)
    _record(session, actor, call, "action item added")
    return _back_to(call)


@router.post("/calls/{call_id}/items/{item_id}")
def edit_item(
    call_id: str,
    item_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
    description: FormText = "",
    owner: FormText = "",
    due_date: FormText = "",
    priority: FormText = "",
    status: FormText = "",
) -> RedirectResponse:
    require_role(visitor.principal, *EDITORS)
    call = visible_call_or_404(session, call_id, visitor)
    form = _item_form(
        session,
        call,
        description=description,
        owner=owner,
        due_date=due_date,
        priority=priority,
        status=status,
    )
    use_cases.edit_action_item(session, call, item_id, form, visitor.principal, runner)
    _record(session, actor, call, f"action item {item_id}")
    return _back_to(call)


@router.post("/calls/{call_id}/items/{item_id}/status")
def set_item_status(
    call_id: str,
    item_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
    status: Annotated[review.ItemStatus, Form()],
) -> RedirectResponse:
    require_role(visitor.principal, *EDITORS)
    call = visible_call_or_404(session, call_id, visitor)
    change = partial(review.set_item_status, session, call, item_id, status, visitor.principal)
    use_cases.change_action_items(session, call, change, runner)
    audit.record(
        session, actor, Action.CALL_EDITED, call.id, f"action item {item_id} {status}"[:200]
    )
    return _back_to(call)


@router.post("/calls/{call_id}/items/{item_id}/remove")
def remove_item(
    call_id: str,
    item_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
) -> RedirectResponse:
    require_role(visitor.principal, *EDITORS)
    call = visible_call_or_404(session, call_id, visitor)
    change = partial(review.remove_action_item, session, call, item_id, visitor.principal)
    use_cases.change_action_items(session, call, change, runner)
    audit.record(
        session, actor, Action.CALL_EDITED, call.id, f"action item {item_id} removed"[:200]
    )
    return _back_to(call)
