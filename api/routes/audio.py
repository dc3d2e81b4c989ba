"""The recording itself, for players and downloads."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from agent.calls.service import require_visible
from agent.core.errors import Gone
from agent.core.tables import Call
from api.composition import Container
from api.deps import ContainerDep, PrincipalDep, SessionDep

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


@router.get("/calls/{call_id}/audio", response_class=FileResponse)
def call_audio(
    call_id: str, session: SessionDep, principal: PrincipalDep, container: ContainerDep
) -> FileResponse:
    """The uploaded recording as it was received (supports HTTP range requests)."""
    call = require_visible(session, call_id, principal, f"no call {call_id!r}")
    return audio_response(container, call)


def audio_response(container: Container, call: Call) -> FileResponse:
    """The stored recording of ``call``, or 410 when the file is gone."""
    path = container.store.path(call.audio_key)
    if not path.exists():
        raise Gone("the recording of this call is no longer stored")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(call.audio_format, "application/octet-stream"),
        filename=call.original_filename,
    )
