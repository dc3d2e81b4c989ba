"""The built-in summariser's action items on English calls: owners, dates, wording, merging."""

from __future__ import annotations

import datetime as dt

from agent.core.domain import ActionItemDraft, Priority, Speaker
from support.builtin_calls import AGENT, CUSTOMER, UNKNOWN, summarise

HIGH = Priority.HIGH


def descriptions(lines: list[tuple[Speaker, str]]) -> list[str]:
    return [item.description for item in summarise(lines).action_items]


def test_request_to_the_other_side_is_owned_by_the_other_side() -> None:
    draft = summarise(
        [
            (CUSTOMER, "Can you send me the invoice for October?"),
            (AGENT, "Please email us a photo of the meter reading by Friday."),
        ]
    )
    assert draft.action_items == [
        ActionItemDraft("Send the customer the invoice for October", "agent", None),
        ActionItemDraft(
            "Email us a photo of the meter reading by Friday", "customer", dt.date(2026, 11, 20)
        ),
    ]


def test_let_me_know_is_a_request() -> None:
    assert summarise(
        [(AGENT, "Please let me know if the connection drops again.")]
    ).action_items == [
        ActionItemDraft("Let the agent know if the connection drops again", "customer", None)
    ]


def test_non_actionable_commitments_are_skipped() -> None:
    assert (
        descriptions(
            [
                (CUSTOMER, "I'll be honest, this is the third time I've called."),
                (AGENT, "I will wait while you find it."),
                (AGENT, "Let me check that for you now."),
                (AGENT, "I'll put you on hold for a moment."),
                (AGENT, "Let me see."),
                (AGENT, "I can see the fault on the line."),
                (AGENT, "Could you hold the reset button?"),
                (AGENT, "I'll restart the line now."),
                (CUSTOMER, "Will I get a refund? So I'll get a refund?"),
                (AGENT, "I'll let you go."),
                (AGENT, "I will not charge you for this."),
                (AGENT, "Yes please."),
            ]
        )
        == []
    )


def test_hypotheticals_are_skipped_but_polite_conditions_are_not() -> None:
    assert descriptions(
        [
            (AGENT, "If it drops again, I'll send an engineer."),
            (AGENT, "Maybe we'll offer a discount."),
            (AGENT, "If that's okay, I'll book the engineer for Monday."),
        ]
    ) == ["Book the engineer for Monday"]


def test_trailing_tag_question_does_not_turn_a_commitment_into_a_question() -> None:
    assert descriptions([(AGENT, "I'll send the form tomorrow, is that okay?")]) == [
        "Send the form tomorrow"
    ]


def test_strict_cue_counts_with_a_due_date() -> None:
    draft = summarise([(AGENT, "Could you restart the router tonight?")])
    assert draft.action_items == [
        ActionItemDraft("Restart the router tonight", "customer", dt.date(2026, 11, 18))
    ]


def test_two_commitments_in_one_sentence_keep_their_own_dates() -> None:
    draft = summarise([(AGENT, "I'll email you the quote today and I'll call you back on Monday.")])
    assert draft.action_items == [
        ActionItemDraft("Email the customer the quote today", "agent", dt.date(2026, 11, 18)),
        ActionItemDraft("Call the customer back on Monday", "agent", dt.date(2026, 11, 23)),
    ]


def test_a_date_before_the_cue_counts() -> None:
    draft = summarise([(AGENT, "By Friday, we'll have the engineer booked.")])
    assert draft.action_items == [
        ActionItemDraft("Have the engineer booked", "agent", dt.date(2026, 11, 20))
    ]


def test_clause_after_the_commitment_is_cut() -> None:
    assert descriptions(
        [(AGENT, "I'll also send you a new SIM card, but it can take a while to arrive.")]
    ) == ["Send the customer a new SIM card"]


def test_pronouns_are_rewritten_from_the_speakers_side() -> None:
    assert descriptions(
        [
            (CUSTOMER, "I will send you my meter reading once you're back."),
            (AGENT, "I will check whether you are eligible for a refund and email you."),
        ]
    ) == [
        "Send the agent the customer's meter reading once the agent is back",
        "Check whether the customer is eligible for a refund and email the customer",
    ]


def test_unknown_speakers_own_their_commitments_as_unknown() -> None:
    draft = summarise([(UNKNOWN, "I'll send you the contract tomorrow.")])
    assert draft.action_items == [
        ActionItemDraft("Send you the contract tomorrow", "unknown", dt.date(2026, 11, 19))
    ]


def test_near_duplicates_merge_and_keep_the_first_wording_with_a_known_date() -> None:
    draft = summarise(
        [
            (AGENT, "I'll send you a replacement power adapter."),
            (AGENT, "Right, so I will send you the replacement power adapter by Monday."),
            (AGENT, "I'll send you the invoice too."),
        ]
    )
    assert draft.action_items == [
        ActionItemDraft(
            "Send the customer a replacement power adapter", "agent", dt.date(2026, 11, 23)
        ),
        ActionItemDraft("Send the customer the invoice too", "agent", None),
    ]


def test_same_task_for_different_owners_is_kept_twice() -> None:
    draft = summarise(
        [(AGENT, "I'll send the signed contract."), (CUSTOMER, "I'll send the signed contract.")]
    )
    assert [item.owner for item in draft.action_items] == ["agent", "customer"]


def test_action_items_are_capped() -> None:
    nato = "alfa bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november"
    nato += " oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
    lines = [(AGENT, f"I'll send you the {word} form.") for word in nato.split()]
    assert len(summarise(lines).action_items) == 20
