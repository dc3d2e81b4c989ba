"""Start and end sentiment on hand-labelled snippets (``bench/data/sentiment_examples.json``)."""

from __future__ import annotations

from support.builtin_calls import AGENT, CUSTOMER, summarise
from support.sentiment_examples import accuracy, load_examples, score

MIN_ACCURACY = 0.85


def test_friendly_call_from_issue_15_ends_positive() -> None:
    draft = summarise(
        [
            (CUSTOMER, "Oh, so I can drag tasks between days?"),
            (AGENT, "Exactly, and it syncs with your calendar."),
            (CUSTOMER, "That's exciting. Let me try it right now."),
        ]
    )
    assert draft.extra["sentiment_end"] == "positive"


def test_labelled_snippets_read_right_in_each_language() -> None:
    results = [score(example) for example in load_examples()]
    assert len(results) == 30
    for language in ("en", "ja"):
        chosen = [r for r in results if r.language == language]
        misses = [(r.id, r.expected, r.got) for r in chosen if r.right < 2]
        assert accuracy(chosen) >= MIN_ACCURACY, misses
    issue_case = next(r for r in results if r.id == "en-1-issue-15")
    assert issue_case.got == issue_case.expected


def test_final_turns_outweigh_a_polite_goodbye() -> None:
    draft = summarise(
        [
            (CUSTOMER, "Hi, the router keeps dropping."),
            (AGENT, "Please restart it."),
            (CUSTOMER, "It's still not working and I'm fed up."),
            (CUSTOMER, "Okay, thanks, bye."),
        ]
    )
    assert draft.extra["sentiment_end"] == "negative"
