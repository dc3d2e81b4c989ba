"""PII redaction: what is replaced, and what must survive."""

from __future__ import annotations

import re

import pytest

from agent.core.patterns import compile_patterns
from agent.core.settings import Settings
from agent.processing.redaction import luhn_valid, redact, redact_lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane.doe@example.com today", "mail [EMAIL] today"),
        ("call +1 (415) 555-0100 now", "call [PHONE] now"),
        ("call (415) 555-0100", "call [PHONE]"),
        ("ring +44 20 7946 0958.", "ring [PHONE]."),
        ("携帯は090-1234-5678です", "携帯は[PHONE]です"),
        ("携帯は０９０－１２３４－５６７８です", "携帯は[PHONE]です"),
        ("会社は03-1234-5678、フリーダイヤル0120-123-456", "会社は[PHONE]、フリーダイヤル[PHONE]"),
        ("+81-3-1234-5678 or 09012345678", "[PHONE] or [PHONE]"),
        ("card 4111 1111 1111 1111 expires", "card [CARD] expires"),
        ("card 4111-1111-1111-1111", "card [CARD]"),
        ("amex 378282246310005", "amex [CARD]"),
        # The forms speech recognition writes (issue 13, point 13)
        ("it is jane dot doe at example dot com, thanks", "it is [EMAIL], thanks"),
        ("mail Jango.co at example.com today", "mail [EMAIL] today"),
        ("my number is 4155550134 okay", "my number is [PHONE] okay"),
        ("the card is 4,111,111,111,111,111 right", "the card is [CARD] right"),
        ("four one five, five five five, oh one three four", "[PHONE]"),
        ("call four one five double five five oh one three four", "call [PHONE]"),
        ("電話は090の1234の5678です", "電話は[PHONE]です"),
        ("電話は090ハイフン1234ハイフン5678です", "電話は[PHONE]です"),
        ("電話は〇九〇の一二三四の五六七八です", "電話は[PHONE]です"),
        ("tanakaアットマークexampleドットco.jpまで", "[EMAIL]まで"),
        ("plus four four two oh seven nine four six oh nine five eight", "[PHONE]"),
        ("four one five five five five oh one three four, two routers", "[PHONE], two routers"),
    ],
)
def test_redacts(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 4111 1111 1111 1112 is not a card",  # fails the Luhn check
        "the refund of 120 dollars on 2026-11-20 at 10:30",
        "ticket 12345, version 2.5.1, room 404",
        "11月20日までにお送りします",
    ],
)
def test_leaves_ordinary_numbers_alone(text: str) -> None:
    assert redact(text).text == text


def test_a_number_read_across_utterances_is_one_finding() -> None:
    said = ["My card is 4111", "1111.", "1111", "1111, and my number is 415 555", "0134. Thanks"]
    found = redact_lines(said)
    assert found.texts == [
        "My card is [CARD]", "[CARD]", "[CARD]",
        "[CARD], and my number is [PHONE]", "[PHONE]. Thanks",
    ]  # fmt: skip
    assert found.counts == {"CARD": 1, "PHONE": 1}


def test_a_complete_number_leaves_the_next_utterance_alone() -> None:
    found = redact_lines(["Call +44 20 7946 0958", "12 routers are on the way"])
    assert found.texts == ["Call [PHONE]", "12 routers are on the way"]


def test_counts_and_extra_patterns() -> None:
    patterns = compile_patterns([r"\bACC-\d{6}\b"])
    found = redact("account ACC-123456, mail a@b.io, card 4111111111111111", patterns)
    assert found.text == "account [REDACTED], mail [EMAIL], card [CARD]"
    assert found.counts == {"REDACTED": 1, "EMAIL": 1, "CARD": 1}


def test_bad_extra_pattern_is_named() -> None:
    with pytest.raises(ValueError, match=re.escape("'ACC-(' is not a valid regex")):
        compile_patterns(["ACC-("])


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


def test_settings_refuse_a_bad_pattern_at_start() -> None:
    with pytest.raises(ValueError, match="not a valid regex"):
        Settings(redact_patterns=["ACC-("])
