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

import phonenumbers

from agent.processing.spoken_forms import Shadow

_GROUP = r"\+?\(?\d+\)?"
_SEPARATOR = r"(?:[ \t\n]*[-.,][ \t\n]*|[ \t\n]+)"
_RUN = re.compile(rf"(?<![0-9A-Za-z+]){_GROUP}(?:{_SEPARATOR}{_GROUP})*(?![0-9A-Za-z])")
_GROUP_PARTS = re.compile(r"(\+)?\(?(\d+)\)?")
_CURRENCY_BEFORE = re.compile(r"[$€£¥]\s?$")
# A number followed by a unit or a Japanese counter (年, 円, 台, ...) is an amount, not PII.
_AMOUNT_AFTER = re.compile(
    r"\.\d|\s*(?:%|dollars?\b|yen\b|euros?\b|ドル)|[年月日時分秒円台個件人回歳万億]",
    re.IGNORECASE,
)
_DIGIT_COMMA, _COMMA_DIGIT = re.compile(r"\d,"), re.compile(r",\d")
_JAPANESE_MOBILE = ("050", "060", "070", "080", "090")  # the only Japanese numbers of 11 digits
_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE
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
        found = _longest_from(groups, first, shadow, original)
        if found is None:
            first += 1
            continue
        last, label = found
        findings.append(Finding(groups[first].start, groups[last - 1].end, label))
        first = last
    return findings


def _longest_from(
    groups: list[_Group], first: int, shadow: Shadow, original: str
) -> tuple[int, str] | None:
    """The end and label of the longest finding that starts at ``groups[first]``.

    Strict shapes first: a phone number's grouping or its country's length, a card's length
    and checksum. Failing those, spoken digits, or digits after a +, of 7 to 15 digits in any
    grouping. Either may go on into the next utterance: a leak costs more than a number at
    the start of the next utterance taken for the end of this one.
    """
    ends = range(min(len(groups), first + _MAX_GROUPS), first, -1)
    for strict in (True, False):
        for last in ends:
            label = _label(groups[first:last], shadow, original, strict)
            if label is not None:
                return last, label
    return None


def _label(groups: list[_Group], shadow: Shadow, original: str, strict: bool) -> str | None:
    start, end = groups[0].start, groups[-1].end
    if _CURRENCY_BEFORE.search(shadow.text[max(0, start - 2) : start]):
        return None
    if _AMOUNT_AFTER.match(shadow.text, end) or _inside_comma_groups(shadow.text, start, end):
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
    # Said aloud, a lone digit in front is a word of the sentence: "at five. 090の..."
    said_aloud = spoken and (min(lengths) >= 2 or _trunk_one(digits, lengths))
    free_form = not strict and (groups[0].plus or said_aloud)
    if _is_phone(digits, lengths, groups[0].plus and strict, free_form):
        return "PHONE"
    return None


def _inside_comma_groups(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` starts or ends between the groups of one number ("10,000")."""
    before = start >= 2 and _DIGIT_COMMA.fullmatch(text, start - 2, start) is not None
    return before or _COMMA_DIGIT.match(text, end) is not None


def _trunk_one(digits: str, lengths: list[int]) -> bool:
    """North America's "1" said before the ten digits of a number: "one, four one five, ..."."""
    return len(digits) == 11 and digits[0] == "1" and lengths[0] == 1 and min(lengths[1:]) >= 2


def _is_card(digits: str, lengths: list[int], spoken: bool) -> bool:
    # Groups under three digits are dates and times ("2026-11-20"), not a card read aloud.
    grouped_like_a_card = spoken or min(lengths) >= 3 or len(lengths) == 1
    return grouped_like_a_card and 13 <= len(digits) <= 19 and luhn_valid(digits)


def _possible_international(digits: str) -> bool:
    """Whether ``+digits`` has a length the numbering plan of its country code allows."""
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return False
    # Not IS_POSSIBLE_LOCAL_ONLY: "+44 7400" is the start of a number, not a whole one.
    return phonenumbers.is_possible_number_with_reason(number) == _POSSIBLE


def _is_phone(digits: str, lengths: list[int], international: bool, free_form: bool) -> bool:
    """``international``: after a +, checked against its country's plan; ``free_form``: said
    aloud, or after a + whose length fits no plan (any grouping, 7 to 15 digits)."""
    count = len(digits)
    if len(lengths) > 1 and lengths[-1] < 2 and (international or free_form):
        return False  # a single digit after a number is something else: "..., 2 routers"
    if international:
        return _possible_international(digits)
    if free_form and max(lengths) >= 3:
        return 7 <= count <= 15
    if count == 10 and digits[0] in "23456789":
        return lengths in ([10], [3, 3, 4])
    if count == 11 and digits[0] == "1":
        return lengths in ([11], [1, 3, 3, 4], [1, 10])
    if (count == 10 and digits[0] == "0") or (count == 11 and digits[:3] in _JAPANESE_MOBILE):
        return len(lengths) == 1 or (len(lengths) == 3 and lengths[0] <= 5 and lengths[-1] >= 3)
    return False
