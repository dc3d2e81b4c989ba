"""The built-in summariser on empty, enormous and hostile English input."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.core.domain import ActionItemDraft, Priority, Resolution, Speaker
from support.builtin_calls import AGENT, CUSTOMER, summarise

HIGH = Priority.HIGH


@pytest.mark.parametrize("lines", [[], [(CUSTOMER, "")], [(AGENT, "   \n\t ")]])
def test_no_speech(lines: list[tuple[Speaker, str]]) -> None:
    draft = summarise(lines)
    assert draft.text == "No speech was detected in this call."
    assert (draft.key_points, draft.action_items, draft.topics) == ([], [], [])
    assert draft.resolution is Resolution.UNRESOLVED
    assert draft.sentiment == "neutral"
    assert draft.extra["sentiment_start"] == draft.extra["sentiment_end"] == "neutral"
    assert draft.extra["resolution_evidence"] is None
    assert draft.engine == "builtin"


def test_unpunctuated_long_speech_is_chunked() -> None:
    words = ("so the router keeps dropping and i will send you the logs tomorrow " * 400).split()
    draft = summarise([(CUSTOMER, " ".join(words))])
    assert all(len(point) <= 301 for point in draft.key_points)
    assert draft.action_items[0] == ActionItemDraft(
        "Send the agent the logs tomorrow", "customer", dt.date(2026, 11, 19)
    )


def test_hostile_and_unicode_text_is_treated_as_data() -> None:
    lines = [
        (CUSTOMER, "__import__('os').system('rm -rf /') {0} {problem} %s \x00\u202e\ud800"),
        (
            CUSTOMER,
            "Mon internet ne marche pas \u2014 "
            "\u30eb\u30fc\u30bf\u30fc\u304c\u58ca\u308c\u305f\u3002",
        ),
        (AGENT, "I\u2019ll send you a new r\u00f6uter {problem} by Friday."),
        (CUSTOMER, "!!!???... ,,,"),
    ]
    draft = summarise(lines)
    assert draft.action_items == [
        ActionItemDraft(
            "Send the customer a new r\u00f6uter {problem} by Friday",
            "agent",
            dt.date(2026, 11, 20),
        )
    ]
    assert "{problem}" not in draft.text.split(":", 1)[0]
