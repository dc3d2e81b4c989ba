"""The built-in summariser's sentiment, topics, key points and text on English calls."""

from __future__ import annotations

import itertools

from support.builtin_calls import AGENT, CUSTOMER, summarise


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
    # An upgrade enquiry is a sales conversation: its outcome is the deal, not a resolution.
    draft = summarise(
        [
            (CUSTOMER, "I'd like to upgrade my broadband package."),
            (AGENT, "The faster broadband package costs five pounds more."),
        ]
    )
    assert draft.text == (
        "The call covered broadband and package. Deal: neutral. No action items were agreed."
    )


def test_text_without_problem_or_topics() -> None:
    # Nothing said about a problem or a deal: no outcome is claimed either way.
    assert summarise([(AGENT, "Hello?")]).text == (
        "No clear problem statement was detected. No action items were agreed."
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
    # Distinct sentences: near-repeats collapse into one key point (see the recap test).
    parts = ["modem", "router", "socket", "cable", "filter", "splitter", "booster", "antenna"]
    trios = list(itertools.permutations(parts, 3))[::7][:40]
    lines = [
        (CUSTOMER if n % 2 else AGENT, f"The {a} near the {b} shows {c} errors.")
        for n, (a, b, c) in enumerate(trios)
    ]
    assert len(summarise(lines).key_points) == 5
