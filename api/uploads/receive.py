"""Receiving an uploaded recording: shared by the API and the web pages."""

from __future__ import annotations

from anyio import to_thread
from fastapi import HTTPException, Request, status
from pydantic import ValidationError
from sqlmodel import Session

from agent.auth.keys import Principal
from agent.calls import service as calls
from agent.calls.intake import (
    EmptyUpload,
    NotAudio,
    SizeLimitedSink,
    UploadRejected,
    UploadTooLarge,
)
from agent.calls.views import CallDetail, call_detail
from agent.core.ports import AudioSink
from agent.processing.runner import Runner
from api.composition import Container
from api.uploads.multipart import BadUpload, StreamingForm, boundary_of

# Room for the form's other fields and multipart framing on top of the audio itself.
FORM_OVERHEAD_BYTES = 1024 * 1024
REJECTION_STATUS = {
    EmptyUpload: status.HTTP_400_BAD_REQUEST,
    UploadTooLarge: status.HTTP_413_CONTENT_TOO_LARGE,
    NotAudio: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


async def receive_upload(
    request: Request, container: Container, runner: Runner, principal: Principal
) -> CallDetail:
    """Stream the form's file to storage, check it, create the call and queue it.

    Raises HTTPException with a 4xx status and a message for anything that cannot become a call;
    nothing is kept in that case.
    """
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
