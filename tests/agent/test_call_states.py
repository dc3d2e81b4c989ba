"""The call state machine: the table of moves is the only way a status changes."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from agent.core.call_states import (
    EDITABLE_STATUSES,
    RESTING_STATUSES,
    SPEECH_STATUSES,
    TEXT_TRANSITIONS,
    TRANSITIONS,
    UNFINISHED_STATUSES,
    CallStatus,
    IllegalTransition,
    first_status,
    move,
)
from agent.core.domain import TEXT_CHANNELS, ConversationChannel
from agent.core.errors import CallsightError
from agent.core.tables import Call
from support.factories import make_call


@dataclass
class FakeCall:
    status: CallStatus
    failure_reason: str | None = None
    channel: str = ConversationChannel.VOICE
    updated_at: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


ALL_PAIRS = list(itertools.product(CallStatus, CallStatus))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(CallStatus)


def test_groups_split_the_statuses_into_unfinished_and_resting() -> None:
    assert set(CallStatus) == UNFINISHED_STATUSES | RESTING_STATUSES
    assert not UNFINISHED_STATUSES & RESTING_STATUSES
    assert EDITABLE_STATUSES <= RESTING_STATUSES


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_an_allowed_move_changes_the_status_and_stamps_the_time(
    current: CallStatus, target: CallStatus
) -> None:
    call = FakeCall(current, failure_reason="earlier failure")
    move(call, target, reason="it broke" if target == CallStatus.FAILED else None)
    assert call.status == target
    assert call.updated_at > dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert call.failure_reason == ("it broke" if target == CallStatus.FAILED else None)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_a_move_outside_the_table_raises_and_leaves_the_call_alone(
    current: CallStatus, target: CallStatus
) -> None:
    call = FakeCall(current, failure_reason="kept")
    with pytest.raises(IllegalTransition) as raised:
        move(call, target, reason="x")
    assert (call.status, call.failure_reason) == (current, "kept")
    assert isinstance(raised.value, CallsightError)
    assert raised.value.status_code == 409
    assert str(current) in raised.value.message and str(target) in raised.value.message


def test_a_failure_needs_a_reason() -> None:
    call = FakeCall(CallStatus.QUEUED)
    with pytest.raises(ValueError, match="reason"):
        move(call, CallStatus.FAILED)
    assert call.status == CallStatus.QUEUED


def test_a_finished_call_never_goes_back_to_recognition() -> None:
    for status in (CallStatus.DONE, CallStatus.REVIEW, CallStatus.UNMATCHED):
        assert CallStatus.TRANSCRIBING not in TRANSITIONS[status]
        assert CallStatus.QUEUED not in TRANSITIONS[status]


def test_the_database_reads_a_status_back_as_the_enum_and_refuses_an_unknown_one(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        call = make_call(session, status=CallStatus.REVIEW)
        session.commit()
        call_id = call.id
    with Session(engine) as session:
        stored = session.get_one(Call, call_id)
        assert stored.status is CallStatus.REVIEW
        stored.status = "archived"  # type: ignore[assignment]
        with pytest.raises(StatementError, match="archived"):
            session.commit()
    with Session(engine) as session:
        raw = session.exec(text("SELECT status FROM call WHERE id = :id").bindparams(id=call_id))
        assert raw.one()[0] == "review"


def test_no_module_but_the_state_machine_assigns_a_call_status() -> None:
    root = Path(__file__).resolve().parents[2]
    assigns = re.compile(r"\bcall\.status\s*=(?!=)|\bcall\.status\s*,[^=\n]*=(?!=)")
    offenders = [
        str(path.relative_to(root))
        for folder in ("agent", "api", "integrations")
        for path in (root / folder).rglob("*.py")
        if path.name != "call_states.py" and assigns.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


TEXT_PAIRS = list(itertools.product(CallStatus, CallStatus, sorted(TEXT_CHANNELS)))


def test_a_recording_waits_for_speech_recognition_and_a_text_goes_straight_to_its_summary() -> None:
    assert first_status(ConversationChannel.VOICE) == CallStatus.QUEUED
    for channel in TEXT_CHANNELS:
        assert first_status(channel) == CallStatus.SUMMARISING


def test_a_text_conversation_moves_as_a_recording_does_once_the_speech_stages_are_out() -> None:
    after_speech = {
        status: targets - SPEECH_STATUSES
        for status, targets in TRANSITIONS.items()
        if status not in SPEECH_STATUSES
    }
    assert after_speech == TEXT_TRANSITIONS


@pytest.mark.parametrize(("current", "target", "channel"), TEXT_PAIRS)
def test_a_text_conversation_never_enters_or_leaves_a_speech_stage(
    current: CallStatus, target: CallStatus, channel: str
) -> None:
    call = FakeCall(current, channel=channel)
    allowed = target in TEXT_TRANSITIONS.get(current, frozenset())
    assert not (allowed and {current, target} & SPEECH_STATUSES)
    if allowed:
        move(call, target, reason="it broke")
        assert call.status == target
    else:
        with pytest.raises(IllegalTransition):
            move(call, target, reason="it broke")
        assert call.status == current


def test_a_failed_text_conversation_is_retried_from_its_summary_not_from_speech() -> None:
    call = FakeCall(CallStatus.FAILED, failure_reason="summary failed", channel="email")
    with pytest.raises(IllegalTransition):
        move(call, CallStatus.QUEUED)
    move(call, CallStatus.SUMMARISING)
    assert call.status == CallStatus.SUMMARISING
