"""What the pages' forms and scripts change: uploads, edits, approval, retries.

Each form calls the same use case as the JSON API, under the same role rule: editing and
approving a call need a lead or admin (as ``PATCH`` and ``/approve`` do), uploading and
retrying a visible call need any signed-in role. The request's session commits once the
handler returns (see ``api.deps.get_session``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import JSONResponse, RedirectResponse

from agent.audit import log as audit
from agent.audit.log import Action, Via
from agent.auth.keys import Role
from agent.calls import use_cases
from agent.core.domain import Resolution
from agent.core.tables import Call
from api.deps import ContainerDep, RunnerDep, SessionDep
from api.uploads.receive import receive_upload
from api.web.auth import (
    FormVisitorDep,
    ScriptVisitorDep,
    WebActorDep,
    require_role,
    visible_call_or_404,
)

router = APIRouter(include_in_schema=False)

# Who may change a call's summary, action items or review state: the API's LeadDep.
EDITORS = (Role.LEAD, Role.ADMIN)


@router.post("/calls/upload")
async def upload(
    request: Request, container: ContainerDep, runner: RunnerDep, visitor: ScriptVisitorDep
) -> JSONResponse:
    detail = await receive_upload(request, container, runner, visitor.principal, Via.WEB)
    return JSONResponse({"id": detail.id, "status": detail.status}, status.HTTP_201_CREATED)


def _back_to(call: Call) -> RedirectResponse:
    return RedirectResponse(f"/calls/{call.id}", status.HTTP_303_SEE_OTHER)


@router.post("/calls/{call_id}/resolution")
def edit_resolution(
    call_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
    resolution: Annotated[Resolution, Form()],
) -> RedirectResponse:
    require_role(visitor.principal, *EDITORS)
    call = visible_call_or_404(session, call_id, visitor)
    use_cases.set_resolution(session, call, resolution, visitor.principal, runner)
    audit.record(session, actor, Action.CALL_EDITED, call.id, "resolution")
    return _back_to(call)


@router.post("/calls/{call_id}/approve")
def approve(
    call_id: str,
    session: SessionDep,
    runner: RunnerDep,
    container: ContainerDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
) -> RedirectResponse:
    require_role(visitor.principal, *EDITORS)
    call = visible_call_or_404(session, call_id, visitor)
    use_cases.approve_call(session, call, visitor.principal, runner, container.pipeline)
    audit.record(session, actor, Action.CALL_APPROVED, call.id)
    return _back_to(call)


@router.post("/calls/{call_id}/retry")
def retry(
    call_id: str,
    session: SessionDep,
    runner: RunnerDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
) -> RedirectResponse:
    call = visible_call_or_404(session, call_id, visitor)
    use_cases.retry_call(session, call, runner)
    audit.record(session, actor, Action.CALL_RETRIED, call.id)
    return _back_to(call)
