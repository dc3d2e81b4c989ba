"""Text conversations (chat, email thread, SMS exchange): checked, then kept as a call with no
audio whose transcript is the turns, ready for the summary stage."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlmodel import Session

from agent.auth.keys import Principal
from agent.calls.service import PartiesMetadata, parties_columns
from agent.core.call_states import first_status
from agent.core.domain import (
    DETECT_LANGUAGE,
    TEXT_CHANNELS,
    ConversationChannel,
    Speaker,
    SpeakerRoles,
    check_language,
)
from agent.core.errors import InvalidInput, PayloadTooLarge, validation_problems
from agent.core.moments import EventTime
from agent.core.tables import Call, TranscriptSegment

MAX_TURNS = 5000
MAX_TURN_CHARS = 50_000  # a long email
MAX_TEXT_CHARS = 500_000
# Room for the longest text written as JSON escapes (6 bytes a character, as for Japanese
# sent with ensure_ascii) and the speakers, times and metadata around it.
MAX_BODY_BYTES = 4 * 1024 * 1024
# An email thread may run for weeks; a longer span is more likely a wrong date.
MAX_SPAN = dt.timedelta(days=90)

ROLE_WORDS = {role.value: role for role in (Speaker.AGENT, Speaker.CUSTOMER)}


class Turn(BaseModel):
    """One message: who wrote it, what, and when."""

    model_config = ConfigDict(extra="forbid")

    speaker: str = Field(
        min_length=1,
        max_length=320,
        description="'agent', 'customer', a name or address given as agent_* or customer_*, "
        "or a key of `speakers`.",
    )
    text: str = Field(description=f"The message, at most {MAX_TURN_CHARS} characters.")
    at: EventTime = Field(description="When it was sent (ISO 8601).")

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("a turn needs some text")
        if len(text) > MAX_TURN_CHARS:
            raise ValueError(f"a turn holds at most {MAX_TURN_CHARS} characters; got {len(text)}")
        return text


class ConversationIn(PartiesMetadata):
    """A chat, email thread or SMS exchange to summarise like a call."""

    model_config = ConfigDict(extra="forbid")

    channel: ConversationChannel = Field(description="chat, email or sms.")
    language: str = Field(description="The language it is written in, e.g. 'en' or 'ja'.")
    subject: str | None = Field(
        None, max_length=255, description="A title for lists (an email's subject)."
    )
    speakers: dict[str, Speaker] = Field(
        default_factory=dict,
        description="Speaker names used in the turns, each to 'agent' or 'customer'.",
    )
    turns: list[Turn] = Field(
        min_length=1, description=f"The messages, oldest first; at most {MAX_TURNS}."
    )

    @model_validator(mode="before")
    @classmethod
    def _within_size_limits(cls, data: Any) -> Any:
        # Raised as a CallsightError, not a ValueError, so that it passes through validation
        # and answers 413 before thousands of turns are checked one by one.
        turns = data.get("turns") if isinstance(data, dict) else None
        if not isinstance(turns, list):
            return data
        if len(turns) > MAX_TURNS:
            raise PayloadTooLarge(
                f"turns: a conversation holds at most {MAX_TURNS} turns; got {len(turns)}"
            )
        characters = sum(len(t["text"]) for t in turns if isinstance(t, dict) and _texty(t))
        if characters > MAX_TEXT_CHARS:
            raise PayloadTooLarge(
                f"turns: a conversation holds at most {MAX_TEXT_CHARS} characters of text; "
                f"got {characters}"
            )
        return data

    @field_validator("channel")
    @classmethod
    def _text_channel(cls, value: ConversationChannel) -> ConversationChannel:
        if value not in TEXT_CHANNELS:
            raise ValueError(
                "a voice conversation is a recording: upload it to /api/v1/calls; "
                "give chat, email or sms here"
            )
        return value

    @field_validator("speakers")
    @classmethod
    def _speakers_take_a_side(cls, value: dict[str, Speaker]) -> dict[str, Speaker]:
        for name, role in value.items():
            if role not in ROLE_WORDS.values():
                raise ValueError(
                    f"{name!r} must be mapped to 'agent' or 'customer', not {role.value!r}"
                )
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value.strip().lower() == DETECT_LANGUAGE:
            raise ValueError("give the language the conversation is written in, e.g. 'en'")
        return check_language(value) or value

    @model_validator(mode="after")
    def _turns_fit_together(self) -> ConversationIn:
        self.started_at = self.started_at or self.turns[0].at
        for position, turn in enumerate(self.turns):
            _check_time(
                position, turn, self.started_at, self.turns[position - 1] if position else None
            )
            if self.role_of(turn.speaker) is None:
                raise ValueError(
                    f"turns[{position}].speaker: {turn.speaker!r} is neither the agent nor the "
                    "customer; write 'agent' or 'customer', the agent_* or customer_* name, "
                    "email or phone given, or map it in `speakers`"
                )
        return self

    def role_of(self, speaker: str) -> Speaker | None:
        """The role of a turn's speaker: a role word, a mapped name, or a party's details."""
        key = speaker.strip().casefold()
        named = {name.strip().casefold(): role for name, role in self.speakers.items()}
        parties = {
            self.agent_name: Speaker.AGENT,
            self.agent_email: Speaker.AGENT,
            self.customer_name: Speaker.CUSTOMER,
            self.customer_email: Speaker.CUSTOMER,
            self.customer_phone: Speaker.CUSTOMER,
        }
        known = {name.strip().casefold(): role for name, role in parties.items() if name}
        return named.get(key) or ROLE_WORDS.get(key) or known.get(key)

    def offsets_s(self) -> list[float]:
        """Each turn's time in seconds from the start of the conversation."""
        assert self.started_at is not None  # set by validation
        return [(turn.at - self.started_at).total_seconds() for turn in self.turns]


def _texty(turn: dict[str, Any]) -> bool:
    return isinstance(turn.get("text"), str)


def _check_time(position: int, turn: Turn, started_at: dt.datetime, before: Turn | None) -> None:
    if turn.at < started_at:
        raise ValueError(
            f"turns[{position}].at: {turn.at.isoformat()} is before started_at "
            f"{started_at.isoformat()}"
        )
    if before is not None and turn.at < before.at:
        raise ValueError(
            f"turns[{position}].at: {turn.at.isoformat()} is before the turn above it "
            f"({before.at.isoformat()}); give the turns oldest first"
        )
    if turn.at - started_at > MAX_SPAN:
        raise ValueError(
            f"turns[{position}].at: {turn.at.isoformat()} is more than {MAX_SPAN.days} days "
            f"after started_at {started_at.isoformat()}"
        )


def load_conversation(path: Path, defaults: Mapping[str, object]) -> ConversationIn:
    """A conversation from a JSON file, with the same checks as the API; ``defaults`` fill the
    fields the file leaves out. Raises a CallsightError naming what is wrong."""
    if path.stat().st_size > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"{path.name} is larger than the {MAX_BODY_BYTES / 1048576:g} MB a conversation may be"
        )
    try:
        given = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{path.name} is not JSON text: {error}") from error
    if not isinstance(given, dict):
        raise InvalidInput(f"{path.name} must hold one JSON object with `channel` and `turns`")
    known = {name: value for name, value in defaults.items() if name in ConversationIn.model_fields}
    try:
        return ConversationIn.model_validate({**known, **given})
    except ValidationError as error:
        raise InvalidInput(validation_problems(error.errors())) from error


def create_conversation(
    session: Session, given: ConversationIn, uploader: Principal | None = None
) -> Call:
    """Keep the conversation as a call in its first status, with its turns as the transcript."""
    offsets = given.offsets_s()
    call = Call(
        channel=given.channel.value,
        status=first_status(given.channel),
        original_filename=given.subject or f"{given.channel.value} conversation",
        audio_key="",
        audio_sha256=_fingerprint(given),
        audio_bytes=0,
        audio_format="",
        channel_map="",
        language=given.language,
        speaker_roles=SpeakerRoles.NAMED.value,
        duration_s=offsets[-1],
        **parties_columns(session, given, uploader),
    )
    session.add(call)
    session.flush()
    session.add_all(_segments(call.id, given, offsets))
    session.flush()
    return call


def _segments(call_id: str, given: ConversationIn, offsets: list[float]) -> list[TranscriptSegment]:
    # A message is sent at an instant: it starts and ends at its time, takes no speaking time.
    return [
        TranscriptSegment(
            call_id=call_id,
            position=position,
            start_s=round(offset, 3),
            end_s=round(offset, 3),
            speaker=(given.role_of(turn.speaker) or Speaker.UNKNOWN).value,
            text=turn.text,
        )
        for position, (turn, offset) in enumerate(zip(given.turns, offsets, strict=True))
    ]


def _fingerprint(given: ConversationIn) -> str:
    """The content's hash, as a recording's is kept: the same conversation twice is findable."""
    return hashlib.sha256(given.model_dump_json(include={"channel", "turns"}).encode()).hexdigest()
