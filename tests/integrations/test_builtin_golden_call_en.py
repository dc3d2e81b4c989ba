"""The built-in summariser on one scripted English call: every part of its golden output."""

from __future__ import annotations

import datetime as dt

from agent.core.domain import ActionItemDraft, Priority, Resolution
from support.builtin_calls import AGENT, BROADBAND_CALL, CUSTOMER, summarise

HIGH, LOW = Priority.HIGH, Priority.LOW


def test_golden_action_items() -> None:
    assert summarise(BROADBAND_CALL).action_items == [
        ActionItemDraft(
            "Send the customer a replacement power adapter by Friday",
            "agent",
            dt.date(2026, 11, 20),
        ),
        ActionItemDraft("Email the customer a confirmation today", "agent", dt.date(2026, 11, 18)),
        ActionItemDraft("Restart the router tonight", "customer", dt.date(2026, 11, 18)),
    ]


def test_urgency_cues_make_items_high_and_most_are_normal() -> None:
    # A due date alone says when, not how urgent: "tomorrow" and "today" are routine.
    items = summarise(
        [
            (AGENT, "I will send the invoice copy next week."),
            (AGENT, "I will escalate the outage urgently."),
            (CUSTOMER, "I'll upload the photos tomorrow."),
            (AGENT, "I will send the meter readings today, it is top priority."),
            (CUSTOMER, "I'll send the old modem back, no rush on my side I guess."),
            (AGENT, "I will mail you the annual statement by 20 March."),
        ]
    ).action_items
    assert [item.priority for item in items] == [
        Priority.NORMAL, HIGH, Priority.NORMAL, HIGH, LOW, LOW,
    ]  # fmt: skip


def test_golden_resolution_with_evidence() -> None:
    draft = summarise(BROADBAND_CALL)
    assert draft.resolution is Resolution.RESOLVED
    assert draft.extra["resolution_evidence"] == "Yes, that fixed it, the connection is stable now."
    assert draft.extra["resolution_cue"] == "that fixed it"


def test_golden_text() -> None:
    assert summarise(BROADBAND_CALL).text == (
        "The customer reported: my internet keeps dropping every evening and it is really "
        "frustrating. Cause: the power adapter on that router model is known to fail. "
        'Resolution: resolved ("Yes, that fixed it, the connection is stable now"). '
        "3 action items agreed."
    )


def test_golden_sentiment_moves_from_negative_to_positive() -> None:
    draft = summarise(BROADBAND_CALL)
    assert draft.sentiment == "positive"
    assert draft.extra["sentiment_start"] == "negative"
    assert draft.extra["sentiment_end"] == "positive"


def test_golden_key_points_are_central_sentences_in_call_order() -> None:
    assert summarise(BROADBAND_CALL).key_points == [
        "My internet keeps dropping every evening and it is really frustrating.",
        "The power adapter on that router model is known to fail.",
        "Yes, that fixed it, the connection is stable now.",
    ]


def test_golden_topics() -> None:
    assert summarise(BROADBAND_CALL).topics == [
        "router",
        "adapter",
        "evening",
        "power",
        "replacement",
    ]


def test_golden_bookkeeping() -> None:
    draft = summarise(BROADBAND_CALL)
    assert (draft.engine, draft.model, draft.prompt_version) == (
        "builtin",
        "rules-en-1",
        "builtin-1",
    )
    assert (draft.input_tokens, draft.output_tokens, draft.cost_usd) == (0, 0, 0.0)
    assert draft.extra["language"] == "en"
    assert draft.extra["problem_statement"] == (
        "My internet keeps dropping every evening and it is really frustrating."
    )


def test_same_input_gives_the_same_draft() -> None:
    assert summarise(BROADBAND_CALL) == summarise(BROADBAND_CALL)
