"""PII redaction before text leaves for a language model: pure functions, no I/O.

Card numbers go first (13-19 digits, Luhn-checked) so a phone pattern never half-eats one;
then e-mail addresses, then phone numbers in international, North American and Japanese
formats, then any configured extra patterns. Each finding becomes a typed placeholder such as
``[EMAIL]``, so the model still knows something was there.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# Japanese text puts no space around numbers, and its letters count as \w: bound on ASCII only.
_B = r"(?<![0-9A-Za-z+])"
_E = r"(?![0-9A-Za-z])"
_CARD = re.compile(rf"{_B}(?:\d[ -]?){{12,18}}\d{_E}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE_PATTERNS = tuple(
    re.compile(_B + pattern + _E)
    for pattern in (
        # International: +44 20 7946 0958, +81-90-1234-5678, +1 (415) 555-0100
        r"\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}",
        # Japanese: 03-1234-5678, 090-1234-5678, 0120-123-456, (03) 1234-5678
        r"\(?0\d{1,4}\)?[ -]?\d{1,4}[ -]\d{3,4}",
        # Japanese without separators: 09012345678, 0312345678
        r"0[5-9]0\d{8}|0\d{9}",
        # North American: (415) 555-0100, 415-555-0100, 415.555.0100
        r"(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}",
    )
)


@dataclass(frozen=True)
class Redaction:
    """Redacted text and how many findings of each kind were replaced."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum that card numbers carry."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def redact(text: str, extra: Iterable[re.Pattern[str]] = ()) -> Redaction:
    """``text`` (NFKC-folded, so full-width digits count) with PII replaced by placeholders."""
    counts: Counter[str] = Counter()
    text = unicodedata.normalize("NFKC", text)
    text = _CARD.sub(lambda match: _card(match, counts), text)
    text = _replace(_EMAIL, text, "EMAIL", counts)
    for pattern in _PHONE_PATTERNS:
        text = _replace(pattern, text, "PHONE", counts)
    for pattern in extra:
        text = _replace(pattern, text, "REDACTED", counts)
    return Redaction(text, dict(counts))


def _card(match: re.Match[str], counts: Counter[str]) -> str:
    digits = re.sub(r"\D", "", match[0])
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        counts["CARD"] += 1
        return "[CARD]"
    return match[0]


def _replace(pattern: re.Pattern[str], text: str, label: str, counts: Counter[str]) -> str:
    def placeholder(_match: re.Match[str]) -> str:
        counts[label] += 1
        return f"[{label}]"

    return pattern.sub(placeholder, text)
