"""Receiving an uploaded recording: shared by the API and the web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CancelScope, to_thread
from fastapi import Request
from pydantic import ValidationError

from agent.audit import log as audit
from agent.audit.log import Action, Actor, Via
from agent.auth.keys import Principal
from agent.calls import service as calls
from agent.calls import use_cases
from agent.calls.intake import SizeLimitedSink
from agent.calls.views import CallDetail, call_detail
from agent.core.errors import InvalidInput, PayloadTooLarge, validation_problems
from agent.core.ports import AudioSink, AudioStore
from agent.core.transactions import unit_of_work
from agent.processing.runner import Runner
from api.composition import Container
from api.deps import client_address
from api.uploads.multipart import StreamingForm, boundary_of

# Room for the form's other fields and multipart framing on top of the audio itself.
FORM_OVERHEAD_BYTES = 1024 * 1024


async def receive_upload(
    request: Request,
    container: Container,
    runner: Runner,
    principal: Principal,
    via: Via = Via.API,
) -> CallDetail:
    """Stream the form's file to storage, check it, create the call and queue it.

    Raises a CallsightError (UploadRejected, BadUpload, ...) with a 4xx status and a message for
    anything that cannot become a call, and 429 past the key's uploads per hour; nothing is kept
    in that case.
    """
    max_bytes = container.settings.max_upload_bytes
    _refuse_oversized(request, max_bytes)
    container.throttle.count_upload(principal.key_id)
    boundary = boundary_of(request.headers.get("content-type"))
    async with _sink_in_thread(container.store) as sink:
        form = StreamingForm(boundary, SizeLimitedSink(sink, max_bytes).write)
        async for chunk in request.stream():
            await to_thread.run_sync(form.feed, chunk)
        form.finish()
        meta = _metadata(form.fields)
        filename = form.filename or "recording"
        actor = Actor.of(principal, via, client_address(request))
        return await to_thread.run_sync(
            _store_call, container, runner, sink, filename, meta, actor, principal
        )


@asynccontextmanager
async def _sink_in_thread(store: AudioStore) -> AsyncIterator[AudioSink]:
    """The store's sink, opened and closed off the event loop: an object store's are requests.

    Closing is shielded, so a cancelled request still aborts what it had sent.
    """
    opened = store.open_sink()
    sink = await to_thread.run_sync(opened.__enter__)
    try:
        yield sink
    except BaseException as error:
        with CancelScope(shield=True):
            handled = await to_thread.run_sync(
                opened.__exit__, type(error), error, error.__traceback__
            )
        if not handled:
            raise
    else:
        with CancelScope(shield=True):
            await to_thread.run_sync(opened.__exit__, None, None, None)


def _refuse_oversized(request: Request, max_bytes: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD_BYTES:
        raise PayloadTooLarge(
            f"the upload is larger than the {max_bytes / 1048576:g} MB limit "
            "(CALLSIGHT_MAX_UPLOAD_MB)"
        )


def _metadata(fields: dict[str, str]) -> calls.CallMetadata:
    given = {name: value for name, value in fields.items() if value.strip()}
    try:
        return calls.CallMetadata.model_validate(given)
    except ValidationError as error:
        raise InvalidInput(validation_problems(error.errors())) from error


def _store_call(
    container: Container,
    runner: Runner,
    sink: AudioSink,
    filename: str,
    meta: calls.CallMetadata,
    actor: Actor,
    principal: Principal,
) -> CallDetail:
    # A short transaction of its own: the upload streamed in before it began.
    with unit_of_work(container.engine) as session:
        call = use_cases.receive_call(
            session,
            container.store,
            sink,
            filename,
            meta,
            container.settings.default_channel_map,
            principal,
            runner,
        )
        audit.record(session, actor, Action.CALL_UPLOADED, call.id, filename)
        return call_detail(session, call)
