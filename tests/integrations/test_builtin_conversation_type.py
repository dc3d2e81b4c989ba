"""The built-in summariser tells support, sales and other conversations apart, and reads a
sales call's deal: next steps, objections, competitors and a signal with its evidence."""

from __future__ import annotations

import dataclasses

from agent.core.domain import ConversationType, DealSignal, Resolution
from integrations.builtin_summariser import BuiltinSummariser
from support.builtin_calls import (
    AGENT,
    BROADBAND_CALL,
    CUSTOMER,
    HIKARI_CALL,
    on_wednesday,
    summarise,
    utterances,
)

SALES_CALL = [
    (AGENT, "Hi Dana, thanks for taking the time to look at our team plan."),
    (CUSTOMER, "Sure. We have forty seats and we currently use Zendesk."),
    (AGENT, "Our pricing for forty seats is twelve dollars per seat per month."),
    (CUSTOMER, "Honestly that is too expensive for our budget this year."),
    (AGENT, "I understand. I can offer a ten percent discount on an annual contract."),
    (CUSTOMER, "That sounds good. Please send me the proposal."),
    (AGENT, "I will send you the proposal and a contract draft by Friday."),
]

LOSING_DEAL = [
    (AGENT, "Hello, I'm calling about the quote we sent for the premium plan."),
    (CUSTOMER, "We looked at it, but Freshdesk offered us a lower price."),
    (CUSTOMER, "To be honest we are not interested any more, we will probably go with them."),
]

FRIENDLY_CHAT = [
    (AGENT, "Hi Priya, I wanted to tell you about our new real time diarization feature."),
    (CUSTOMER, "Oh nice, I read about it in the newsletter."),
    (AGENT, "It tells the speakers apart while the meeting is still going."),
    (CUSTOMER, "That's exciting. Let me try it right now."),
]


def test_a_support_call_is_support_with_a_resolution_and_no_deal() -> None:
    draft = summarise(BROADBAND_CALL)
    assert draft.conversation_type is ConversationType.SUPPORT
    assert draft.resolution is Resolution.RESOLVED
    assert draft.deal_signal is None and draft.deal_evidence is None


def test_a_japanese_support_call_is_support() -> None:
    assert summarise(HIKARI_CALL, "ja").conversation_type is ConversationType.SUPPORT


def test_a_sales_call_has_a_deal_and_no_resolution() -> None:
    draft = summarise(SALES_CALL)
    assert draft.conversation_type is ConversationType.SALES
    assert draft.resolution is None
    assert draft.competitors == ["Zendesk"]
    assert draft.objections == ["Honestly that is too expensive for our budget this year."]
    assert draft.next_steps == [
        "Send the customer the proposal",
        "Send the customer the proposal and a contract draft by Friday",
    ]
    assert draft.deal_signal is DealSignal.POSITIVE
    assert draft.deal_evidence == "Please send me the proposal."


def test_a_deal_the_customer_walks_away_from_is_at_risk() -> None:
    draft = summarise(LOSING_DEAL)
    assert draft.conversation_type is ConversationType.SALES
    assert draft.deal_signal is DealSignal.AT_RISK
    assert draft.deal_evidence is not None and "not interested" in draft.deal_evidence
    assert draft.competitors == ["Freshdesk"]


def test_a_friendly_conversation_is_other_without_resolution_or_deal() -> None:
    draft = summarise(FRIENDLY_CHAT)
    assert draft.conversation_type is ConversationType.OTHER
    assert draft.resolution is None and draft.deal_signal is None
    assert "unresolved" not in draft.text


def test_the_uploaders_type_overrides_what_is_said() -> None:
    context = dataclasses.replace(on_wednesday("en"), conversation_type=ConversationType.SALES)
    draft = BuiltinSummariser().summarise(utterances(BROADBAND_CALL), context)
    assert draft.conversation_type is ConversationType.SALES
    assert draft.resolution is None and draft.deal_signal is not None


def test_agreed_work_without_a_problem_word_is_still_support() -> None:
    draft = summarise(
        [
            (CUSTOMER, "Hi, I am calling about the form you mentioned."),
            (AGENT, "Please sign the form and send it back by Friday."),
        ]
    )
    assert draft.conversation_type is ConversationType.SUPPORT
    assert draft.resolution is Resolution.FOLLOW_UP
