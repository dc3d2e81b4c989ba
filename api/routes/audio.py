"""The recording itself, for players and downloads, streamed from whichever store keeps it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.utils import format_datetime

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from agent.audit import log as audit
from agent.audit.log import Action, Actor
from agent.calls.service import require_visible
from agent.calls.views import has_audio
from agent.core.errors import Gone, NotFound
from agent.core.ports import AudioMissing, AudioStore
from agent.core.tables import Call
from api.byte_ranges import ByteRange, MalformedRange, RangeNotSatisfiable, requested_range
from api.composition import Container
from api.content_disposition import content_disposition
from api.deps import ActorDep, ContainerDep, PrincipalDep, SessionDep
from api.error_responses import errors

router = APIRouter(prefix="/api/v1", tags=["calls"])

MEDIA_TYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "mp4": "audio/mp4",
    "webm": "audio/webm",
    "aiff": "audio/aiff",
    "amr": "audio/amr",
    "caf": "audio/x-caf",
}
GONE_MESSAGE = "the recording of this call is no longer stored"


class RecordingResponse(Response):
    """A stored recording, whole or the one byte range the request asks for.

    The range is read from the request when the response is sent, so routes need not take it.
    """

    def __init__(self, store: AudioStore, call: Call, size: int) -> None:
        media_type = MEDIA_TYPES.get(call.audio_format, "application/octet-stream")
        super().__init__(media_type=media_type, headers=_recording_headers(call, size))
        self._store = store
        self._key = call.audio_key
        self._size = size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            wanted = self._range_wanted(Headers(scope=scope))
        except MalformedRange as error:
            await PlainTextResponse(str(error), status_code=400)(scope, receive, send)
            return
        except RangeNotSatisfiable:
            unsatisfiable = {"content-range": f"bytes */{self._size}"}
            await PlainTextResponse("", status_code=416, headers=unsatisfiable)(
                scope, receive, send
            )
            return
        # Opened before the answer starts, so a recording deleted meanwhile is still a 410.
        chunks = await to_thread.run_sync(self._open, wanted or ByteRange(0, self._size - 1))
        headers = dict(self.headers)
        if wanted is not None:
            headers["content-range"] = wanted.content_range(self._size)
            headers["content-length"] = str(wanted.length)
        stream = StreamingResponse(
            chunks, status_code=206 if wanted else 200, headers=headers, background=self.background
        )
        await stream(scope, receive, send)

    def _range_wanted(self, request: Headers) -> ByteRange | None:
        header, validator = request.get("range"), request.get("if-range")
        if header is None or (validator is not None and not self._unchanged_since(validator)):
            return None
        return requested_range(header, self._size)

    def _unchanged_since(self, validator: str) -> bool:
        return validator in (self.headers["etag"], self.headers["last-modified"])

    def _open(self, span: ByteRange) -> Iterator[bytes]:
        if span.length == 0:
            return iter(())
        try:
            return self._store.open_range(self._key, span.first, span.last)
        except AudioMissing as error:
            raise Gone(GONE_MESSAGE) from error


@router.get(
    "/calls/{call_id}/audio",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
        206: {"description": "The byte range the Range header asked for"},
        400: {"description": "The Range header is malformed", "content": {"text/plain": {}}},
        **errors(401, 404, 410, 422),
        416: {"description": "The range starts past the end of the recording"},
    },
)
def call_audio(
    call_id: str,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    actor: ActorDep,
    container: ContainerDep,
) -> RecordingResponse:
    """The uploaded recording as it was received (supports HTTP range requests)."""
    call = require_visible(session, call_id, principal, f"no call {call_id!r}")
    response = audio_response(container, call)
    record_listen(container, request, actor, call)
    return response


_FIRST_BYTES = re.compile(r"\s*bytes\s*=\s*0+\s*-")


def record_listen(container: Container, request: Request, actor: Actor, call: Call) -> None:
    """Audit a download or the start of a listen: a player asks for many ranges as it plays and
    seeks, and only the first (none, or one from byte 0) says someone began."""
    wanted = request.headers.get("range")
    if wanted is None or _FIRST_BYTES.match(wanted):
        audit.record_read(container.engine, actor, Action.RECORDING_DOWNLOADED, call.id)


def audio_response(container: Container, call: Call) -> RecordingResponse:
    """The stored recording of ``call``; 404 for a text conversation, 410 when it is gone."""
    if not has_audio(call):
        raise NotFound(
            f"call {call.id!r} is a {call.channel} conversation: it has no recording; "
            "its turns are in the transcript"
        )
    size = container.store.size(call.audio_key)
    if size is None:
        raise Gone(GONE_MESSAGE)
    return RecordingResponse(container.store, call, size)


def _recording_headers(call: Call, size: int) -> dict[str, str]:
    # The content under a key never changes, so its hash is a strong validator on every host.
    return {
        "accept-ranges": "bytes",
        "content-length": str(size),
        "content-disposition": content_disposition("attachment", call.original_filename),
        "etag": f'"{call.audio_sha256}"',
        "last-modified": format_datetime(_utc(call.created_at), usegmt=True),
    }


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.utcoffset() is None else moment
