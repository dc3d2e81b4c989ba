"""What the pages' forms and scripts change: uploads, edits, approval, retries, keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from agent.auth.keys import Role
from agent.calls import review_edits as review
from agent.calls import service as calls
from agent.core.domain import Resolution
from agent.core.tables import Call
from api.deps import ContainerDep, RunnerDep, SessionDep
from api.uploads.receive import receive_upload
from api.web.auth import FormVisitorDep, ScriptVisitorDep, require_role, visible_call_or_404

router = APIRouter(include_in_schema=False)


@router.post("/calls/upload")
async def upload(
    request: Request, container: ContainerDep, runner: RunnerDep, visitor: ScriptVisitorDep
) -> JSONResponse:
    detail = await receive_upload(request, container, runner, visitor.principal)
    return JSONResponse({"id": detail.id, "status": detail.status}, status.HTTP_201_CREATED)


def _back_to(call: Call) -> RedirectResponse:
    return RedirectResponse(f"/calls/{call.id}", status.HTTP_303_SEE_OTHER)


def _conflict(error: Exception) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, str(error))


@router.post("/calls/{call_id}/items/{item_id}")
def edit_item(
    call_id: str,
    item_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    description: Annotated[str, Form()],
    owner: Annotated[str, Form()],
    due_date: Annotated[str, Form()] = "",
) -> RedirectResponse:
    call = visible_call_or_404(session, call_id, visitor)
    try:
        edit = review.ActionItemForm(
            description=description, owner=owner, due_date=due_date or None
        )
        resync = review.edit_action_item(session, call, item_id, edit, visitor.principal)
    except ValidationError as error:
        raise HTTPException(422, "; ".join(e["msg"] for e in error.errors())) from error
    except calls.CallStateError as error:
        raise _conflict(error) from error
    return _commit_and_back(session, runner, call, resync)


@router.post("/calls/{call_id}/resolution")
def edit_resolution(
    call_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    resolution: Annotated[Resolution, Form()],
) -> RedirectResponse:
    call = visible_call_or_404(session, call_id, visitor)
    try:
        resync = review.set_resolution(session, call, resolution, visitor.principal)
    except calls.CallStateError as error:
        raise _conflict(error) from error
    return _commit_and_back(session, runner, call, resync)


def _commit_and_back(
    session: Session, runner: RunnerDep, call: Call, resync: bool
) -> RedirectResponse:
    session.commit()
    if resync:
        runner.submit(call.id)
    return _back_to(call)


@router.post("/calls/{call_id}/approve")
def approve(
    call_id: str,
    session: SessionDep,
    runner: RunnerDep,
    container: ContainerDep,
    visitor: FormVisitorDep,
) -> RedirectResponse:
    require_role(visitor.principal, Role.LEAD, Role.ADMIN)
    call = visible_call_or_404(session, call_id, visitor)
    try:
        calls.approve(session, call, visitor.principal)
    except calls.CallStateError as error:
        raise _conflict(error) from error
    response = _commit_and_back(session, runner, call, True)
    container.pipeline.publish("call.approved", call.id)
    return response


@router.post("/calls/{call_id}/retry")
def retry(
    call_id: str, session: SessionDep, runner: RunnerDep, visitor: FormVisitorDep
) -> RedirectResponse:
    call = visible_call_or_404(session, call_id, visitor)
    try:
        calls.retry(session, call)
    except calls.CallStateError as error:
        raise _conflict(error) from error
    return _commit_and_back(session, runner, call, True)
