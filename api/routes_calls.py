"""HTTP routes for calls: upload, list, read, approve, retry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import ValidationError
from sqlmodel import Session

from agent import calls
from agent.container import Container
from agent.domain import CallStatus
from agent.exports import MEDIA_TYPES, TranscriptFormat, filename, render
from agent.ingest import EmptyUpload, NotAudio, SizeLimitedSink, UploadRejected, UploadTooLarge
from agent.keys import Principal
from agent.ports import AudioSink
from agent.tables import Call
from agent.views import CallDetail, CallPage, call_detail, call_row, transcript_document
from api.deps import ContainerDep, LeadDep, PrincipalDep, RunnerDep, SessionDep
from api.upload import BadUpload, StreamingForm, boundary_of

router = APIRouter(prefix="/api/v1", tags=["calls"])

# Room for the form's other fields and multipart framing on top of the audio itself.
FORM_OVERHEAD_BYTES = 1024 * 1024
REJECTION_STATUS = {
    EmptyUpload: status.HTTP_400_BAD_REQUEST,
    UploadTooLarge: status.HTTP_413_CONTENT_TOO_LARGE,
    NotAudio: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


@router.post("/calls", status_code=status.HTTP_201_CREATED, response_model=CallDetail)
async def upload_call(
    request: Request, container: ContainerDep, runner: RunnerDep, principal: PrincipalDep
) -> CallDetail:
    """Upload a recording (multipart field ``file``) with optional metadata fields; queues it."""
    max_bytes = container.settings.max_upload_bytes
    _refuse_oversized(request, max_bytes)
    try:
        boundary = boundary_of(request.headers.get("content-type"))
        with container.store.open_sink() as sink:
            form = StreamingForm(boundary, SizeLimitedSink(sink, max_bytes).write)
            async for chunk in request.stream():
                await to_thread.run_sync(form.feed, chunk)
            form.finish()
            meta = _metadata(form.fields)
            detail = await to_thread.run_sync(
                _store_call, container, sink, form.filename or "recording", meta, principal
            )
    except UploadRejected as error:
        raise HTTPException(REJECTION_STATUS.get(type(error), 400), str(error)) from error
    except BadUpload as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    runner.submit(detail.id)
    return detail


def _refuse_oversized(request: Request, max_bytes: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the upload is larger than the {max_bytes / 1048576:g} MB limit "
            "(CALLSIGHT_MAX_UPLOAD_MB)",
        )


def _metadata(fields: dict[str, str]) -> calls.CallMetadata:
    given = {name: value for name, value in fields.items() if value.strip()}
    try:
        return calls.CallMetadata.model_validate(given)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems) from error


def _store_call(
    container: Container,
    sink: AudioSink,
    filename: str,
    meta: calls.CallMetadata,
    principal: Principal,
) -> CallDetail:
    with Session(container.engine) as session:
        call = calls.create_call(
            session,
            container.store,
            sink,
            filename,
            meta,
            container.settings.default_channel_map,
            principal,
        )
        try:
            session.commit()
        except Exception:
            container.store.delete(call.audio_key)
            raise
        return call_detail(session, call)


@router.get("/calls", response_model=CallPage)
def list_calls(
    session: SessionDep,
    principal: PrincipalDep,
    status_: Annotated[CallStatus | None, Query(alias="status")] = None,
    customer: Annotated[str | None, Query(description="Customer name or CRM id.")] = None,
    agent: Annotated[str | None, Query(description="Agent name or email.")] = None,
    started_from: dt.datetime | None = None,
    started_to: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CallPage:
    """Calls newest first; a rep sees only their own."""
    filters = calls.CallFilters(status_, customer, agent, started_from, started_to)
    rows, total = calls.list_calls(session, filters, principal, limit, offset)
    return CallPage(
        items=[call_row(session, row) for row in rows], total=total, limit=limit, offset=offset
    )


@router.get("/calls/{call_id}", response_model=CallDetail)
def get_call(call_id: str, session: SessionDep, principal: PrincipalDep) -> CallDetail:
    return call_detail(session, _visible(session, call_id, principal))


@router.get(
    "/calls/{call_id}/transcript",
    response_class=Response,
    responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}},
)
def get_transcript(
    call_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    format: TranscriptFormat = TranscriptFormat.JSON,
) -> Response:
    """The transcript as JSON (with word timestamps), plain text, SRT or WebVTT subtitles."""
    call = _visible(session, call_id, principal)
    if call.duration_s is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"call {call_id!r} has no transcript yet (status: {call.status}); try again later",
        )
    document = transcript_document(session, call)
    return Response(
        render(document, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'inline; filename="{filename(document, format)}"'},
    )


@router.post("/calls/{call_id}/approve", response_model=CallDetail)
def approve_call(
    call_id: str, session: SessionDep, principal: LeadDep, runner: RunnerDep
) -> CallDetail:
    """Approve a call waiting in review; it then syncs to the CRM."""
    call = _visible(session, call_id, principal)
    _change_state(session, lambda: calls.approve(session, call, principal))
    runner.submit(call.id)
    return call_detail(session, call)


@router.post("/calls/{call_id}/retry", response_model=CallDetail)
def retry_call(
    call_id: str, session: SessionDep, principal: PrincipalDep, runner: RunnerDep
) -> CallDetail:
    """Run a failed call again from the stage that failed."""
    call = _visible(session, call_id, principal)
    _change_state(session, lambda: calls.retry(session, call))
    runner.submit(call.id)
    return call_detail(session, call)


def _visible(session: Session, call_id: str, principal: Principal) -> Call:
    call = calls.visible_call(session, call_id, principal)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no call {call_id!r}")
    return call


def _change_state(session: Session, change: Callable[[], None]) -> None:
    try:
        change()
    except calls.CallStateError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    session.commit()
