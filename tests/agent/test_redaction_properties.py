"""Redaction over generated personal data in the forms speech recognition writes.

Each property runs 200 examples (``EXAMPLES``); the false-positive ones run 200 as well.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.processing.redaction import redact_lines
from support.pii_forms import (
    Said,
    any_pii,
    cards,
    emails,
    international_phones,
    japanese_phones,
    north_american_phones,
    ordinary_utterance,
    said_in_utterances,
)

EXAMPLES = 200
BENCH_CALLS = Path(__file__).resolve().parents[2] / "bench" / "data"
bounded = settings(max_examples=EXAMPLES, deadline=None)


def _folded(texts: list[str]) -> list[str]:
    return [unicodedata.normalize("NFKC", text) for text in texts]


def _assert_redacted(said: Said) -> None:
    found = redact_lines(said.utterances)
    assert found.texts == _folded(said.expected)
    assert found.counts == {said.pii.label: 1}
    sent = "\n".join(found.texts)
    if said.pii.label == "EMAIL":
        assert said.pii.secret not in sent.lower()
    else:
        assert said.pii.secret not in re.sub(r"\D", "", sent)


@bounded
@given(said_in_utterances(emails()))
def test_emails_are_redacted_written_or_spoken(said: Said) -> None:
    _assert_redacted(said)


@bounded
@given(said_in_utterances(north_american_phones()))
def test_north_american_phones_are_redacted_in_any_form(said: Said) -> None:
    _assert_redacted(said)


@bounded
@given(said_in_utterances(international_phones()))
def test_international_phones_are_redacted_in_any_form(said: Said) -> None:
    _assert_redacted(said)


@bounded
@given(said_in_utterances(japanese_phones()))
def test_japanese_phones_are_redacted_in_any_form(said: Said) -> None:
    _assert_redacted(said)


@bounded
@given(said_in_utterances(cards()))
def test_card_numbers_are_redacted_in_any_form(said: Said) -> None:
    _assert_redacted(said)


@bounded
@given(st.lists(ordinary_utterance(), min_size=1, max_size=4))
def test_ordinary_numbers_are_left_alone(utterances: list[str]) -> None:
    found = redact_lines(utterances)
    assert found.texts == _folded(utterances) and found.counts == {}


@bounded
@given(
    st.lists(ordinary_utterance(), max_size=3),
    said_in_utterances(any_pii()),
    st.lists(ordinary_utterance(), max_size=3),
)
def test_only_the_personal_data_in_a_call_is_replaced(
    before: list[str], said: Said, after: list[str]
) -> None:
    # A number that opens the next utterance may be read as the end of the one before it (a leak
    # costs more than that), so the neighbours start and end with words here.
    before = [f"{text} Okay." for text in before]
    after = [f"Right, {text}" for text in after]
    found = redact_lines([*before, *said.utterances, *after])
    assert found.texts == _folded([*before, *said.expected, *after])


def test_scripted_calls_lose_nothing_to_redaction() -> None:
    # 160 hand-written utterances full of dates, times, amounts and counts, and no personal data.
    lines = [
        text
        for name in ("labelled_calls.json", "heldout_calls.json")
        for call in json.loads((BENCH_CALLS / name).read_text())["calls"]
        for _speaker, text in call["lines"]
    ]
    found = redact_lines(lines)
    assert len(lines) >= 150
    assert found.texts == _folded(lines) and found.counts == {}
