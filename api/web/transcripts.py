"""The call page's transcript: downloads in every export format, and the speakers' names.

A download needs only sight of the call (as the page does) and is audit-logged as the API's
is; naming speakers needs a lead or admin, as ``PATCH /api/v1/calls/{id}/speakers`` does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from agent.audit import log as audit
from agent.audit.log import Action
from agent.calls import speakers as call_speakers
from agent.calls.exports import MEDIA_TYPES, TranscriptFormat, render
from agent.calls.views import transcript_document
from agent.core.errors import Conflict, InvalidInput
from agent.core.tables import Call, Customer
from api.content_disposition import content_disposition
from api.deps import ContainerDep, SessionDep
from api.web.auth import FormVisitorDep, VisitorDep, WebActorDep, require_role, visible_call_or_404
from api.web.form_checks import readable
from api.web.forms import EDITORS

router = APIRouter(include_in_schema=False)

FormList = Annotated[list[str], Form()]


@router.get("/calls/{call_id}/transcript")
def download_transcript(
    call_id: str,
    session: SessionDep,
    visitor: VisitorDep,
    actor: WebActorDep,
    container: ContainerDep,
    format: TranscriptFormat = TranscriptFormat.TXT,
) -> Response:
    """The transcript as a file in ``format``, named for the customer and the call's time."""
    call = visible_call_or_404(session, call_id, visitor)
    if call.duration_s is None:
        raise Conflict("This call has no transcript yet; try again once it is transcribed.")
    audit.record_read(container.engine, actor, Action.TRANSCRIPT_DOWNLOADED, call.id)
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    name = download_name(call, customer.name if customer else None, format)
    return Response(
        render(transcript_document(session, call), format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": content_disposition("attachment", name)},
    )


def download_name(call: Call, customer: str | None, fmt: TranscriptFormat) -> str:
    """``Acme-2026-11-18-1030-transcript.srt``: who and when, not the recording's file name."""
    when = (call.started_at or call.created_at).strftime("%Y-%m-%d-%H%M")
    who = re.sub(r"[^\w.-]+", "-", customer or Path(call.original_filename).stem).strip("-.")
    return f"{who or 'call'}-{when}-transcript.{fmt.value}"


@router.post("/calls/{call_id}/speakers")
def rename_speakers(
    call_id: str,
    session: SessionDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
    speaker: FormList,
    name: FormList,
    role: FormList,
) -> RedirectResponse:
    """One row per speaker: a blank name clears it; roles may be swapped, not shared."""
    require_role(visitor.principal, *EDITORS)
    call = visible_call_or_404(session, call_id, visitor)
    change = _speakers_form(speaker, name, role)
    call_speakers.rename(session, call, change)
    audit.record(session, actor, Action.CALL_EDITED, call.id, call_speakers.described(change))
    return RedirectResponse(f"/calls/{call.id}#transcript", status.HTTP_303_SEE_OTHER)


def _speakers_form(
    labels: list[str], names: list[str], roles: list[str]
) -> call_speakers.SpeakersEdit:
    if not len(labels) == len(names) == len(roles):
        raise InvalidInput("Give each speaker a name (or leave it blank) and a role.")
    rows = [
        {"speaker": label, "name": name.strip() or None, "role": role}
        for label, name, role in zip(labels, names, roles, strict=True)
    ]
    try:
        return call_speakers.SpeakersEdit.model_validate({"speakers": rows})
    except ValidationError as error:
        raise InvalidInput(readable(error.errors())) from error
