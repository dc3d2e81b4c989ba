"""The built-in summariser's resolution on English calls: fixes, negations, escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.core.domain import ActionItemDraft, Priority, Resolution
from support.builtin_calls import AGENT, CUSTOMER, summarise

HIGH = Priority.HIGH


def test_negated_fix_is_unresolved() -> None:
    draft = summarise(
        [
            (CUSTOMER, "My phone line has no dial tone."),
            (AGENT, "Please try unplugging the handset. Has that resolved it?"),
            (
                CUSTOMER,
                "No, it's not resolved. Restarting didn't fix it and it's still not working.",
            ),
            (AGENT, "I'm sorry, I'm out of options on my side today."),
        ]
    )
    assert draft.resolution is Resolution.UNRESOLVED
    assert draft.extra["resolution_evidence"] == (
        "Restarting didn't fix it and it's still not working."
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "That's not resolved.",
        "It is still not working now.",
        "The problem is not solved.",
        "That didn't fix it.",
        "It hasn't been resolved.",
        "It's never stable now.",
    ],
)
def test_negated_cues_never_count_as_resolved(sentence: str) -> None:
    draft = summarise([(CUSTOMER, "My internet keeps dropping."), (CUSTOMER, sentence)])
    assert draft.resolution is Resolution.UNRESOLVED
    assert draft.extra["resolution_evidence"] == sentence


def test_hedged_and_questioned_cues_are_not_evidence() -> None:
    draft = summarise(
        [
            (CUSTOMER, "I just want this resolved today."),
            (AGENT, "Is it working now?"),
        ]
    )
    assert draft.resolution is Resolution.UNRESOLVED
    assert draft.extra["resolution_evidence"] is None
    assert "Resolution: unresolved." in draft.text


def test_escalation() -> None:
    draft = summarise(
        [
            (CUSTOMER, "I have been double charged on my bill for three months."),
            (AGENT, "I can't change billing records from here."),
            (AGENT, "I'm escalating this to our second-level billing team."),
            (CUSTOMER, "Fine."),
        ]
    )
    assert draft.resolution is Resolution.ESCALATED
    assert draft.extra["resolution_evidence"] == (
        "I'm escalating this to our second-level billing team."
    )


def test_negated_escalation_does_not_count() -> None:
    draft = summarise(
        [
            (CUSTOMER, "My router shows an error light."),
            (AGENT, "There's no need to escalate this."),
        ]
    )
    assert draft.resolution is Resolution.UNRESOLVED


def test_follow_up() -> None:
    draft = summarise(
        [
            (CUSTOMER, "My order never arrived and the tracking page shows an error."),
            (AGENT, "I need to check with the warehouse."),
            (AGENT, "I will get back to you tomorrow."),
        ]
    )
    assert draft.resolution is Resolution.FOLLOW_UP
    assert draft.extra["resolution_evidence"] == "I will get back to you tomorrow."
    assert draft.action_items == [
        ActionItemDraft("Get back to the customer tomorrow", "agent", dt.date(2026, 11, 19))
    ]
    assert 'Resolution: follow-up needed ("I will get back to you tomorrow").' in draft.text


def test_a_later_relapse_outweighs_an_earlier_fix() -> None:
    draft = summarise(
        [
            (CUSTOMER, "My internet keeps dropping."),
            (CUSTOMER, "Oh, that fixed it."),
            (AGENT, "Good."),
            (CUSTOMER, "Wait, it dropped again, it's still not working."),
        ]
    )
    assert draft.resolution is Resolution.UNRESOLVED
    assert draft.extra["resolution_evidence"] == "Wait, it dropped again, it's still not working."


def test_a_later_fix_outweighs_earlier_failures() -> None:
    draft = summarise(
        [
            (CUSTOMER, "It's still not working."),
            (CUSTOMER, "No, that didn't fix it either."),
            (CUSTOMER, "Okay, it works now, thanks."),
        ]
    )
    assert draft.resolution is Resolution.RESOLVED


def test_no_cue_at_all_is_unresolved() -> None:
    draft = summarise([(CUSTOMER, "I'd like to ask about my contract.")])
    assert draft.resolution is Resolution.UNRESOLVED
    assert draft.extra["resolution_evidence"] is None
