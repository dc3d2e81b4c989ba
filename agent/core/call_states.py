"""The call state machine: the statuses, their groups, the allowed moves, and the one mover.

Every status change of a call goes through ``move``; a move outside the call's table
(``TRANSITIONS`` for a recording, ``TEXT_TRANSITIONS`` for a chat, email or SMS conversation)
raises ``IllegalTransition`` and leaves the call as it was.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Protocol

from agent.core.domain import ConversationChannel
from agent.core.errors import Conflict


class CallStatus(enum.StrEnum):
    QUEUED = "queued"
    TRANSCRIBING = "transcribing"
    SUMMARISING = "summarising"
    REVIEW = "review"
    SYNCING = "syncing"
    DONE = "done"
    FAILED = "failed"
    UNMATCHED = "unmatched"


# The runner has work to do on a call in one of these; a call in any other status rests.
UNFINISHED_STATUSES = frozenset(
    {CallStatus.QUEUED, CallStatus.TRANSCRIBING, CallStatus.SUMMARISING, CallStatus.SYNCING}
)
RESTING_STATUSES = frozenset(CallStatus) - UNFINISHED_STATUSES
# A lead may correct the summary and action items of a call in one of these.
EDITABLE_STATUSES = frozenset(
    {CallStatus.REVIEW, CallStatus.DONE, CallStatus.FAILED, CallStatus.UNMATCHED}
)

TRANSITIONS: Mapping[CallStatus, frozenset[CallStatus]] = {
    CallStatus.QUEUED: frozenset({CallStatus.TRANSCRIBING, CallStatus.FAILED}),
    # A transcription cut short by a crash starts again from the top.
    CallStatus.TRANSCRIBING: frozenset(
        {CallStatus.TRANSCRIBING, CallStatus.SUMMARISING, CallStatus.FAILED}
    ),
    CallStatus.SUMMARISING: frozenset({CallStatus.REVIEW, CallStatus.SYNCING, CallStatus.FAILED}),
    # Approval, or a lead's edit, sends a reviewed call to the CRM.
    CallStatus.REVIEW: frozenset({CallStatus.SYNCING, CallStatus.FAILED}),
    CallStatus.SYNCING: frozenset({CallStatus.DONE, CallStatus.UNMATCHED, CallStatus.FAILED}),
    # A lead links a held call to CRM records.
    CallStatus.UNMATCHED: frozenset({CallStatus.SYNCING}),
    # A lead's edit of a synced call re-syncs it.
    CallStatus.DONE: frozenset({CallStatus.SYNCING}),
    # A retry resumes at the stage that failed; an edit re-syncs.
    CallStatus.FAILED: frozenset({CallStatus.QUEUED, CallStatus.SUMMARISING, CallStatus.SYNCING}),
}


# The statuses in which a recording becomes text; a text conversation never passes them.
SPEECH_STATUSES = frozenset({CallStatus.QUEUED, CallStatus.TRANSCRIBING})

# A text conversation arrives with its words: it is received straight into summarising, and a
# retry sends it back to the summary or the CRM sync, never to speech recognition.
TEXT_TRANSITIONS: Mapping[CallStatus, frozenset[CallStatus]] = {
    CallStatus.SUMMARISING: frozenset({CallStatus.REVIEW, CallStatus.SYNCING, CallStatus.FAILED}),
    CallStatus.REVIEW: frozenset({CallStatus.SYNCING, CallStatus.FAILED}),
    CallStatus.SYNCING: frozenset({CallStatus.DONE, CallStatus.UNMATCHED, CallStatus.FAILED}),
    CallStatus.UNMATCHED: frozenset({CallStatus.SYNCING}),
    CallStatus.DONE: frozenset({CallStatus.SYNCING}),
    CallStatus.FAILED: frozenset({CallStatus.SUMMARISING, CallStatus.SYNCING}),
}


def transitions_for(channel: str) -> Mapping[CallStatus, frozenset[CallStatus]]:
    """The table of moves for a call that came in by ``channel``."""
    if ConversationChannel(channel) is ConversationChannel.VOICE:
        return TRANSITIONS
    return TEXT_TRANSITIONS


def first_status(channel: str) -> CallStatus:
    """Where a call starts: a recording waits for speech recognition, a text is summarised."""
    if ConversationChannel(channel) is ConversationChannel.VOICE:
        return CallStatus.QUEUED
    return CallStatus.SUMMARISING


class IllegalTransition(Conflict):
    """The call cannot go from its status to the one asked for."""

    def __init__(self, current: CallStatus, target: CallStatus, message: str | None = None) -> None:
        super().__init__(message or f"a call cannot go from {current} to {target}")
        self.current, self.target = current, target


class HasStatus(Protocol):
    status: CallStatus
    channel: str
    failure_reason: str | None
    updated_at: dt.datetime


def can_move(
    current: CallStatus, target: CallStatus, channel: str = ConversationChannel.VOICE
) -> bool:
    return target in transitions_for(channel).get(CallStatus(current), frozenset())


def move(call: HasStatus, target: CallStatus, *, reason: str | None = None) -> None:
    """Move ``call`` to ``target``; a failure needs ``reason``, anything else clears it.

    Raises:
        IllegalTransition: the move is not in the call's channel's table; the call is unchanged.
        ValueError: a move to ``failed`` without a reason.
    """
    current = CallStatus(call.status)
    if not can_move(current, target, call.channel):
        raise IllegalTransition(current, target)
    if target == CallStatus.FAILED and not reason:
        raise ValueError("a call fails with a reason a person can act on")
    call.status = target
    call.failure_reason = reason if target == CallStatus.FAILED else None
    call.updated_at = dt.datetime.now(dt.UTC)
