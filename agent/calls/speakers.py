"""The names a lead gives a call's speakers, and the roles they correct when the split was wrong.

Transcript segments keep the label recognition gave them (``agent``, ``customer``,
``unknown``); the names and corrected roles live beside them on the call and are applied
wherever the transcript is shown or exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session, col, select

from agent.calls.speaker_view import SpeakerView
from agent.core.domain import Speaker
from agent.core.errors import Conflict, InvalidInput
from agent.core.tables import Call, TranscriptSegment

SpeakerName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SpeakerEdit(BaseModel):
    """One speaker's name and role; an omitted field stays as it is, ``null`` clears it."""

    speaker: Speaker = Field(description="The label in the transcript: agent, customer, unknown.")
    name: SpeakerName | None = Field(None, description="Shown instead of the label (1-100 chars).")
    role: Speaker | None = Field(None, description="The speaker's real role, if the split erred.")


class SpeakersEdit(BaseModel):
    speakers: list[SpeakerEdit] = Field(min_length=1, max_length=len(Speaker))


def transcript_labels(session: Session, call_id: str) -> list[str]:
    """The speaker labels of a call's transcript, in the order they first speak."""
    rows = session.exec(
        select(TranscriptSegment.speaker)
        .where(TranscriptSegment.call_id == call_id)
        .order_by(col(TranscriptSegment.position))
    )
    return list(dict.fromkeys(rows))


def speakers_of(call: Call, labels: Iterable[str]) -> list[SpeakerView]:
    """Each label with the name and role the lead gave it (its own role if none)."""
    stored: Mapping[str, Mapping[str, Any]] = call.speaker_names or {}
    return [
        SpeakerView(
            speaker=label,
            role=stored.get(label, {}).get("role") or label,
            name=stored.get(label, {}).get("name"),
        )
        for label in labels
    ]


def rename(session: Session, call: Call, change: SpeakersEdit) -> None:
    """Name (or re-role) the call's speakers; ``InvalidInput`` for a label the call lacks or
    two speakers left in one role, ``Conflict`` before there is a transcript."""
    labels = transcript_labels(session, call.id)
    if not labels:
        raise Conflict(f"call {call.id!r} has no transcript yet, so no speakers to name")
    _check_labels(change, labels)
    current = {view.speaker: view for view in speakers_of(call, labels)}
    for edit in change.speakers:
        current[edit.speaker.value] = _changed(current[edit.speaker.value], edit)
    _check_roles(current.values())
    call.speaker_names = {
        view.speaker: view.model_dump(include={"name", "role"}) for view in current.values()
    }
    session.add(call)


def described(change: SpeakersEdit) -> str:
    """The change as the audit log names it: which speakers, not what they are called."""
    return "speakers " + ", ".join(edit.speaker.value for edit in change.speakers)


def _check_labels(change: SpeakersEdit, labels: list[str]) -> None:
    given = [edit.speaker.value for edit in change.speakers]
    unknown = sorted(set(given) - set(labels))
    if unknown:
        raise InvalidInput(
            f"this call's speakers are {', '.join(labels)}; it has no {', '.join(unknown)}"
        )
    if len(set(given)) != len(given):
        raise InvalidInput("name each speaker once")


def _changed(view: SpeakerView, edit: SpeakerEdit) -> SpeakerView:
    given = edit.model_dump(include=edit.model_fields_set - {"speaker"})
    role = given.get("role", view.role) or view.speaker
    return view.model_copy(update={**given, "role": str(role)})


def _check_roles(views: Iterable[SpeakerView]) -> None:
    roles = [view.role for view in views]
    if len(set(roles)) != len(roles):
        raise InvalidInput("two speakers cannot share a role; swap the roles instead")
