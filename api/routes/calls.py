"""HTTP routes for calls: upload, list, read, approve, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlmodel import Session

from agent.audit import log as audit
from agent.audit.log import Action
from agent.auth.keys import Principal
from agent.calls import edits as call_edits
from agent.calls import service as calls
from agent.calls import speakers as call_speakers
from agent.calls import use_cases
from agent.calls.exports import MEDIA_TYPES, TranscriptFormat, filename, render
from agent.calls.views import CallDetail, CallPage, call_detail, call_row, transcript_document
from agent.core.call_states import CallStatus
from agent.core.errors import Conflict
from agent.core.moments import IsoDateTime
from agent.core.tables import Call
from api.content_disposition import content_disposition
from api.deps import ActorDep, ContainerDep, LeadDep, PrincipalDep, RunnerDep, SessionDep
from api.error_responses import errors
from api.ids import Offset
from api.uploads.form_schema import upload_request_body
from api.uploads.receive import receive_upload

router = APIRouter(prefix="/api/v1", tags=["calls"])


@router.post(
    "/calls",
    status_code=status.HTTP_201_CREATED,
    response_model=CallDetail,
    responses=errors(400, 401, 413, 415, 422),
    openapi_extra=upload_request_body(),
)
async def upload_call(
    request: Request, container: ContainerDep, runner: RunnerDep, principal: PrincipalDep
) -> CallDetail:
    """Upload a recording (multipart field ``file``) with optional metadata fields; queues it."""
    return await receive_upload(request, container, runner, principal)


@router.get("/calls", response_model=CallPage, responses=errors(401, 422))
def list_calls(
    session: SessionDep,
    principal: PrincipalDep,
    status_: Annotated[CallStatus | None, Query(alias="status")] = None,
    customer: Annotated[str | None, Query(description="Customer name or CRM id.")] = None,
    agent: Annotated[str | None, Query(description="Agent name or email.")] = None,
    started_from: Annotated[IsoDateTime | None, Query(description="ISO 8601.")] = None,
    started_to: Annotated[IsoDateTime | None, Query(description="ISO 8601.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in the transcript.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> CallPage:
    """Calls newest first; a rep sees only their own."""
    filters = calls.CallFilters(status_, customer, agent, started_from, started_to, q)
    rows, total = calls.list_calls(session, filters, principal, limit, offset)
    return CallPage(
        items=[call_row(session, row) for row in rows], total=total, limit=limit, offset=offset
    )


@router.get("/calls/{call_id}", response_model=CallDetail, responses=errors(401, 404, 422))
def get_call(
    call_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    actor: ActorDep,
    container: ContainerDep,
) -> CallDetail:
    call = _visible(session, call_id, principal)
    audit.record_read(container.engine, actor, Action.CALL_VIEWED, call.id)
    return call_detail(session, call)


@router.get(
    "/calls/{call_id}/transcript",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
        **errors(401, 404, 409, 422),
    },
)
def get_transcript(
    call_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    actor: ActorDep,
    container: ContainerDep,
    format: TranscriptFormat = TranscriptFormat.JSON,
) -> Response:
    """The transcript as JSON (with word timestamps), plain text, SRT or WebVTT subtitles."""
    call = _visible(session, call_id, principal)
    if call.duration_s is None:
        raise Conflict(
            f"call {call_id!r} has no transcript yet (status: {call.status}); try again later"
        )
    audit.record_read(container.engine, actor, Action.TRANSCRIPT_DOWNLOADED, call.id)
    document = transcript_document(session, call)
    return Response(
        render(document, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": content_disposition("inline", filename(document, format))},
    )


@router.post(
    "/calls/{call_id}/approve", response_model=CallDetail, responses=errors(401, 403, 404, 409, 422)
)
def approve_call(
    call_id: str,
    session: SessionDep,
    principal: LeadDep,
    actor: ActorDep,
    runner: RunnerDep,
    container: ContainerDep,
) -> CallDetail:
    """Approve a call waiting in review; it then syncs to the CRM."""
    call = _visible(session, call_id, principal)
    use_cases.approve_call(session, call, principal, runner, container.pipeline)
    audit.record(session, actor, Action.CALL_APPROVED, call.id)
    return call_detail(session, call)


@router.patch(
    "/calls/{call_id}", response_model=CallDetail, responses=errors(400, 401, 403, 404, 409, 422)
)
def edit_call(
    call_id: str,
    body: call_edits.CallEdit,
    session: SessionDep,
    principal: LeadDep,
    actor: ActorDep,
    runner: RunnerDep,
    container: ContainerDep,
) -> CallDetail:
    """Correct a call's summary or action items. A call in review is released to the CRM; a
    synced call syncs again, updating the records it wrote."""
    call = _visible(session, call_id, principal)
    use_cases.edit_call(session, call, body, principal, runner, container.pipeline)
    audit.record(session, actor, Action.CALL_EDITED, call.id)
    return call_detail(session, call)


@router.patch(
    "/calls/{call_id}/speakers",
    response_model=CallDetail,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def rename_speakers(
    call_id: str,
    body: call_speakers.SpeakersEdit,
    session: SessionDep,
    principal: LeadDep,
    actor: ActorDep,
) -> CallDetail:
    """Name a call's speakers (``agent`` → "Sam Lee") or swap their roles when the split got
    them backwards; the transcript and its exports show the names. Metrics and the summary
    keep the split as recognised."""
    call = _visible(session, call_id, principal)
    call_speakers.rename(session, call, body)
    audit.record(session, actor, Action.CALL_EDITED, call.id, call_speakers.described(body))
    return call_detail(session, call)


@router.post(
    "/calls/{call_id}/crm-links",
    response_model=CallDetail,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def link_call(
    call_id: str,
    body: call_edits.CrmLinkEdit,
    session: SessionDep,
    principal: LeadDep,
    actor: ActorDep,
    runner: RunnerDep,
) -> CallDetail:
    """Link a call the CRM could not match to a Contact, an Account or an Opportunity (and
    optionally a Case)."""
    call = _visible(session, call_id, principal)
    use_cases.link_call(session, call, body, runner)
    audit.record(session, actor, Action.CALL_LINKED, call.id)
    return call_detail(session, call)


@router.post(
    "/calls/{call_id}/retry", response_model=CallDetail, responses=errors(401, 404, 409, 422)
)
def retry_call(
    call_id: str, session: SessionDep, principal: PrincipalDep, actor: ActorDep, runner: RunnerDep
) -> CallDetail:
    """Run a failed call again from the stage that failed."""
    call = _visible(session, call_id, principal)
    use_cases.retry_call(session, call, runner)
    audit.record(session, actor, Action.CALL_RETRIED, call.id)
    return call_detail(session, call)


def _visible(session: Session, call_id: str, principal: Principal) -> Call:
    return calls.require_visible(session, call_id, principal, f"no call {call_id!r}")
