"""The built-in offline summariser on scripted calls: golden output and classification cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from agent.core.domain import (
    ActionItemDraft,
    CallContext,
    Priority,
    Resolution,
    Speaker,
    SummaryDraft,
    Utterance,
)
from integrations.builtin_summariser import BuiltinSummariser
from integrations.builtin_summariser.cues_en import ENGLISH
from integrations.builtin_summariser.rules import CommitmentCue

AGENT = Speaker.AGENT
CUSTOMER = Speaker.CUSTOMER
UNKNOWN = Speaker.UNKNOWN
HIGH = Priority.HIGH
WEDNESDAY = dt.date(2026, 11, 18)
CONTEXT = CallContext(call_date=WEDNESDAY, language="en")

BROADBAND_CALL = [
    (AGENT, "Thank you for calling Northwind Broadband, this is Sam. How can I help you today?"),
    (CUSTOMER, "Hi Sam. My internet keeps dropping every evening and it is really frustrating."),
    (AGENT, "I'm sorry to hear that. Let me check your line."),
    (CUSTOMER, "It has been happening for about a week, usually around eight in the evening."),
    (
        AGENT,
        "I can see the router rebooting several times a night. "
        "The power adapter on that router model is known to fail.",
    ),
    (AGENT, "I will send you a replacement power adapter by Friday."),
    (CUSTOMER, "Okay. I'll be honest, I was close to cancelling."),
    (AGENT, "I understand. I will email you a confirmation today."),
    (AGENT, "Meanwhile, could you unplug the router for ten seconds and plug it back in?"),
    (CUSTOMER, "Done. The lights are green again."),
    (AGENT, "Is it working now?"),
    (CUSTOMER, "Yes, that fixed it, the connection is stable now."),
    (CUSTOMER, "I will restart the router tonight."),
    (
        AGENT,
        "So to recap, I'll send you the replacement adapter by Friday "
        "and I will email you a confirmation today.",
    ),
    (AGENT, "Is there anything else I can help you with?"),
    (CUSTOMER, "No, that's great, thank you so much for your help."),
    (AGENT, "You're welcome, have a lovely evening. Goodbye."),
]


def utterances(lines: list[tuple[Speaker, str]]) -> list[Utterance]:
    return [
        Utterance(start=4.0 * n, end=4.0 * n + 3.5, speaker=speaker, text=text)
        for n, (speaker, text) in enumerate(lines)
    ]


def summarise(lines: list[tuple[Speaker, str]], context: CallContext = CONTEXT) -> SummaryDraft:
    return BuiltinSummariser().summarise(utterances(lines), context)


def descriptions(lines: list[tuple[Speaker, str]]) -> list[str]:
    return [item.description for item in summarise(lines).action_items]


# --- golden call -----------------------------------------------------------------------------


def test_golden_action_items() -> None:
    assert summarise(BROADBAND_CALL).action_items == [
        ActionItemDraft(
            "Send the customer a replacement power adapter by Friday",
            "agent",
            dt.date(2026, 11, 20),
        ),
        ActionItemDraft(
            "Email the customer a confirmation today", "agent", dt.date(2026, 11, 18), HIGH
        ),
        ActionItemDraft("Restart the router tonight", "customer", dt.date(2026, 11, 18), HIGH),
    ]


def test_urgent_or_next_day_items_are_high_priority() -> None:
    items = summarise(
        [
            (AGENT, "I will send the invoice copy next week."),
            (AGENT, "I will escalate the outage urgently."),
            (CUSTOMER, "I'll upload the photos tomorrow."),
        ]
    ).action_items
    assert [item.priority for item in items] == [Priority.NORMAL, HIGH, HIGH]


def test_golden_resolution_with_evidence() -> None:
    draft = summarise(BROADBAND_CALL)
    assert draft.resolution is Resolution.RESOLVED
    assert draft.extra["resolution_evidence"] == "Yes, that fixed it, the connection is stable now."
    assert draft.extra["resolution_cue"] == "that fixed it"


def test_golden_text() -> None:
    assert summarise(BROADBAND_CALL).text == (
        "The customer reported: my internet keeps dropping every evening and it is really "
        'frustrating. Resolution: resolved ("Yes, that fixed it, the connection is stable now"). '
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
        "I will send you a replacement power adapter by Friday.",
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


# --- resolution ------------------------------------------------------------------------------


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
        ActionItemDraft("Get back to the customer tomorrow", "agent", dt.date(2026, 11, 19), HIGH)
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


# --- action items ----------------------------------------------------------------------------


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
        ActionItemDraft("Restart the router tonight", "customer", dt.date(2026, 11, 18), HIGH)
    ]


def test_two_commitments_in_one_sentence_keep_their_own_dates() -> None:
    draft = summarise([(AGENT, "I'll email you the quote today and I'll call you back on Monday.")])
    assert draft.action_items == [
        ActionItemDraft("Email the customer the quote today", "agent", dt.date(2026, 11, 18), HIGH),
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
        ActionItemDraft("Send you the contract tomorrow", "unknown", dt.date(2026, 11, 19), HIGH)
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


# --- sentiment, topics, key points, text -----------------------------------------------------


def test_negative_customer_sentiment_with_negation() -> None:
    draft = summarise(
        [
            (CUSTOMER, "This is ridiculous, I am not happy at all."),
            (AGENT, "I understand, that is terrible and I am sorry."),
            (CUSTOMER, "It's unacceptable and I'm really disappointed."),
        ]
    )
    assert draft.sentiment == "negative"
    assert (draft.extra["sentiment_start"], draft.extra["sentiment_end"]) == (
        "negative",
        "negative",
    )


def test_only_the_customer_counts_for_sentiment() -> None:
    draft = summarise(
        [(AGENT, "Great, perfect, wonderful, brilliant!"), (CUSTOMER, "My meter reads 4512.")]
    )
    assert draft.sentiment == "neutral"


def test_negated_complaint_reads_positive() -> None:
    assert summarise([(CUSTOMER, "Honestly it's not bad at all.")]).sentiment == "positive"


def test_topics_leave_out_names_stopwords_and_single_mentions() -> None:
    draft = summarise(
        [
            (CUSTOMER, "Hello, this is Priya, my invoice shows roaming charges."),
            (AGENT, "Thanks Priya, the roaming charges are from Spain."),
            (CUSTOMER, "I was never in Spain, so the invoice is wrong."),
        ]
    )
    assert draft.topics == ["invoice", "roaming", "charges"]


def test_text_falls_back_to_topics_without_a_problem_statement() -> None:
    draft = summarise(
        [
            (CUSTOMER, "I'd like to upgrade my broadband package."),
            (AGENT, "The faster broadband package costs five pounds more."),
        ]
    )
    assert draft.text == (
        "The call covered broadband and package. Resolution: unresolved. "
        "No action items were agreed."
    )


def test_text_without_problem_or_topics() -> None:
    assert summarise([(AGENT, "Hello?")]).text == (
        "No clear problem statement was detected. Resolution: unresolved. "
        "No action items were agreed."
    )


def test_one_action_item_reads_in_the_singular() -> None:
    assert summarise([(AGENT, "I'll email you the quote today.")]).text.endswith(
        "1 action item agreed."
    )


def test_key_points_skip_greetings_and_questions_and_stay_in_order() -> None:
    lines = [
        (AGENT, "Thank you for calling Northwind Energy, my name is Ana."),
        (CUSTOMER, "My smart meter stopped sending readings last month."),
        (AGENT, "Which meter model do you have at home?"),
        (CUSTOMER, "The meter model is the grey one in the hallway cupboard."),
        (AGENT, "That meter model loses its signal when the hub firmware is old."),
        (AGENT, "The hub firmware update will restore the meter readings."),
        (CUSTOMER, "The readings on my bill have been estimated since then."),
        (AGENT, "Have a lovely day, goodbye."),
    ]
    points = summarise(lines).key_points
    texts = [text for _, text in lines]
    assert 3 <= len(points) <= 5
    assert points == sorted(points, key=texts.index)
    assert points[0] == "My smart meter stopped sending readings last month."
    assert not any(point.endswith("?") or "goodbye" in point for point in points)


def test_long_calls_get_five_key_points() -> None:
    lines = [
        (CUSTOMER if n % 2 else AGENT, f"The modem number {n} reports line fault code {n} again.")
        for n in range(40)
    ]
    assert len(summarise(lines).key_points) == 5


# --- empty and odd input ---------------------------------------------------------------------


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
        "Send the agent the logs tomorrow", "customer", dt.date(2026, 11, 19), HIGH
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


@pytest.mark.parametrize("language", ["en", "en-GB", "EN_us", "xx", "de"])
def test_languages_without_tables_fall_back_to_english(language: str) -> None:
    context = dataclasses.replace(CONTEXT, language=language)
    draft = summarise(BROADBAND_CALL, context)
    assert draft.extra["language"] == "en"
    assert len(draft.action_items) == 3


def test_a_language_can_bring_its_own_tables() -> None:
    # The commitment marker ends the clause, so the action is the pattern's "action" group.
    send = CommitmentCue(re.compile(r"(?P<action>[^。、]+)をお送りします"))

    def friday(text: str, call_date: dt.date) -> dt.date | None:
        return call_date + dt.timedelta(days=2) if "金曜日" in text else None

    japanese = dataclasses.replace(
        ENGLISH,
        language="ja",
        model="rules-ja-test",
        tokenise=list,
        resolve_due_date=friday,
        commitment_cues=(send,),
    )
    summariser = BuiltinSummariser(rules={"en": ENGLISH, "ja": japanese})
    draft = summariser.summarise(
        utterances([(AGENT, "金曜日までに交換用アダプターをお送りします。")]),
        dataclasses.replace(CONTEXT, language="ja-JP"),
    )
    assert (draft.model, draft.extra["language"]) == ("rules-ja-test", "ja")
    assert draft.action_items == [
        ActionItemDraft("金曜日までに交換用アダプター", "agent", dt.date(2026, 11, 20))
    ]


def test_fallback_language_must_have_tables() -> None:
    with pytest.raises(ValueError, match="fallback"):
        BuiltinSummariser(rules={}, fallback_language="en")
