"""Phone and card numbers among the digit groups of a transcript's shadow text.

A run of digit groups (``415 555 0134``, ``4111-1111``, ``4,111,111``, across utterance breaks)
is searched for its longest stretch, from the left, that has the shape of a phone number
(international, North American, Japanese) or the length and Luhn checksum of a card number.
Shapes, not bare lengths, keep dates, prices and quantities out.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from agent.processing.spoken_forms import Shadow

_GROUP = r"\+?\(?\d+\)?"
_SEPARATOR = r"(?:[ \t\n]*[-.,][ \t\n]*|[ \t\n]+)"
_RUN = re.compile(rf"(?<![0-9A-Za-z+]){_GROUP}(?:{_SEPARATOR}{_GROUP})*(?![0-9A-Za-z])")
_GROUP_PARTS = re.compile(r"(\+)?\(?(\d+)\)?")
_CURRENCY_BEFORE = re.compile(r"[$€£¥]\s?$")
_AMOUNT_AFTER = re.compile(r"\.\d|\s*(?:%|dollars?\b|yen\b|euros?\b|円|ドル)", re.IGNORECASE)
_MAX_GROUPS = 10  # a card read in four utterances, each in two groups, with room to spare


@dataclass(frozen=True)
class Finding:
    """A shadow span ``[start, end)`` and what it holds (``PHONE`` or ``CARD``)."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str
    plus: bool


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum that card numbers carry."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find_numbers(shadow: Shadow, original: str) -> list[Finding]:
    """Phone and card numbers in ``shadow``; ``original`` tells spoken digits from written."""
    findings: list[Finding] = []
    for run in _RUN.finditer(shadow.text):
        groups = [
            _Group(run.start() + m.start(), run.start() + m.end(), m[2], m[1] is not None)
            for m in _GROUP_PARTS.finditer(run[0])
        ]
        findings += _in_run(groups, shadow, original)
    return findings


def _in_run(groups: list[_Group], shadow: Shadow, original: str) -> list[Finding]:
    findings, first = [], 0
    while first < len(groups):
        for last in range(min(len(groups), first + _MAX_GROUPS), first, -1):
            label = _label(groups[first:last], shadow, original)
            if label:
                findings.append(Finding(groups[first].start, groups[last - 1].end, label))
                first = last
                break
        else:
            first += 1
    return findings


def _label(groups: list[_Group], shadow: Shadow, original: str) -> str | None:
    start, end = groups[0].start, groups[-1].end
    if _CURRENCY_BEFORE.search(shadow.text[max(0, start - 2) : start]):
        return None
    if _AMOUNT_AFTER.match(shadow.text, end):
        return None
    begin, stop = shadow.origin(start, end)
    spoken = not re.search(r"[0-9]", original[begin:stop])
    separators = [shadow.text[a.end : b.start] for a, b in itertools.pairwise(groups)]
    comma_grouped = bool(separators) and all(s == "," for s in separators)
    comma_grouped = comma_grouped and all(len(g.digits) == 3 for g in groups[1:])
    digits = "".join(g.digits for g in groups)
    lengths = [len(digits)] if comma_grouped else [len(g.digits) for g in groups]
    if _is_card(digits, lengths, spoken):
        return "CARD"
    if any(g.plus for g in groups[1:]):
        return None
    if _is_phone(digits, lengths, groups[0].plus, spoken):
        return "PHONE"
    return None


def _is_card(digits: str, lengths: list[int], spoken: bool) -> bool:
    # Groups under three digits are dates and times ("2026-11-20"), not a card read aloud.
    grouped_like_a_card = spoken or min(lengths) >= 3 or len(lengths) == 1
    return grouped_like_a_card and 13 <= len(digits) <= 19 and luhn_valid(digits)


def _is_phone(digits: str, lengths: list[int], plus: bool, spoken: bool) -> bool:
    count = len(digits)
    if plus or (spoken and max(lengths) >= 3):
        return 7 <= count <= 15
    if count == 10 and digits[0] in "23456789":
        return lengths in ([10], [3, 3, 4], [3, 7], [6, 4])
    if count == 11 and digits[0] == "1":
        return lengths in ([11], [1, 3, 3, 4], [1, 10], [4, 3, 4])
    if digits[0] == "0" and count in (10, 11):
        return len(lengths) == 1 or (2 <= len(lengths) <= 4 and 2 <= lengths[0] <= 5)
    return False
