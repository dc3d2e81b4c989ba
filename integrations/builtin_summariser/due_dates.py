"""English date phrases resolved to calendar dates relative to the day of the call.

Rules (weeks run Monday to Sunday):

- "today", "tonight", "this afternoon/evening", "end of (the) day", "EOD", "close of business":
  the call date. "tomorrow": +1 day. "the day after tomorrow": +2 days.
- A weekday name ("Friday", "by Friday", "on Monday", "this Thursday"): its next occurrence strictly
  after the call date, so the call's own weekday means a week later.
- "next <weekday>", "<weekday> next week", "next week on <weekday>": that weekday in the week after
  the call's week (said on Wednesday, "next Friday" is nine days later, not two).
- "next week": Monday of the week after the call's week.
- "end of (the/this) week": Friday of the call's week, or the call date when that is later.
  "end of next week": Friday of the following week. "end of (the/this) month": its last day.
- "in/within (the next) N days|weeks|hours", N in digits, "one".."ten", "a/an", "a couple of":
  N days, 7·N days, or N÷24 whole days. "in N business/working days" skips Saturdays and Sundays.
- Calendar dates: ISO "2026-03-03"; "March 3", "Mar 3rd", "3 March", "the 3rd of March", with an
  optional year; "the 15th". Without a year the first such date on or after the call date (a date
  that names the call day is the call day); impossible dates ("April 31") give nothing.
- Past or recurring mentions ("last Monday", "since Friday", "every Tuesday") give nothing.

When several phrases occur, the one that starts first wins (the longest, when two start together).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from integrations.builtin_summariser.text import normalise

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip

_WD = "(" + "|".join(_WEEKDAYS) + ")"
_MON = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)"
_NUM = r"(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|an?|(?:a\s+)?couple(?:\s+of)?)"
_YEAR = r"(?:,?\s+(\d{4}))?"

Resolver = Callable[[re.Match[str], dt.date], dt.date | None]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: Resolver


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    due: dt.date | None


def resolve_due_date(text: str, call_date: dt.date) -> dt.date | None:
    """The date the first date phrase in ``text`` names, relative to ``call_date``.

    Args:
        text: Free text, typically one sentence of a transcript.
        call_date: The day the call took place.

    Returns:
        The resolved date, or None when ``text`` holds no date phrase (or only a past or
        recurring one, or an impossible date).
    """
    candidates = sorted(_candidates(normalise(text).lower(), call_date), key=_order)
    covered_until = -1
    for candidate in candidates:
        if candidate.start < covered_until:
            continue
        if candidate.due is not None:
            return candidate.due
        covered_until = candidate.end
    return None


def _order(candidate: _Candidate) -> tuple[int, int]:
    return candidate.start, -candidate.end


def _candidates(text: str, call_date: dt.date) -> Iterator[_Candidate]:
    for rule in _RULES:
        for match in rule.pattern.finditer(text):
            yield _Candidate(match.start(), match.end(), _apply(rule, match, call_date))


def _apply(rule: _Rule, match: re.Match[str], call_date: dt.date) -> dt.date | None:
    try:
        return rule.resolve(match, call_date)
    except OverflowError:  # near dt.date.max
        return None


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the week ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def next_weekday(day: dt.date, weekday: int) -> dt.date:
    """The first date strictly after ``day`` falling on ``weekday`` (Monday is 0)."""
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)


def add_business_days(day: dt.date, count: int) -> dt.date:
    """``day`` moved forward by ``count`` weekdays, skipping Saturdays and Sundays."""
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _number(phrase: str) -> int:
    if phrase.isdigit():
        return int(phrase)
    return 2 if "couple" in phrase else _NUMBER_WORDS[phrase]


def _weekday(name: str) -> int:
    return _WEEKDAYS.index(name)


def _same_day(_match: re.Match[str], call: dt.date) -> dt.date:
    return call


def _plus_days(days: int) -> Resolver:
    def resolve(_match: re.Match[str], call: dt.date) -> dt.date:
        return call + dt.timedelta(days=days)

    return resolve


def _nothing(_match: re.Match[str], _call: dt.date) -> None:
    return None


def _weekday_after(match: re.Match[str], call: dt.date) -> dt.date:
    return next_weekday(call, _weekday(match[1]))


def _weekday_next_week(match: re.Match[str], call: dt.date) -> dt.date:
    offset = _weekday(match[1]) if match[1] else 0
    return monday_of(call) + dt.timedelta(days=7 + offset)


def _end_of_week(_match: re.Match[str], call: dt.date) -> dt.date:
    return max(call, monday_of(call) + dt.timedelta(days=4))


def _end_of_next_week(_match: re.Match[str], call: dt.date) -> dt.date:
    return monday_of(call) + dt.timedelta(days=11)


def _end_of_month(_match: re.Match[str], call: dt.date) -> dt.date:
    return call.replace(day=calendar.monthrange(call.year, call.month)[1])


def _within(match: re.Match[str], call: dt.date) -> dt.date:
    count, business, unit = _number(match[1]), bool(match[2]), match[3]
    if unit == "week":
        return call + dt.timedelta(weeks=count)
    if unit == "hour":
        return call + dt.timedelta(days=count // 24)
    return add_business_days(call, count) if business else call + dt.timedelta(days=count)


def _iso(match: re.Match[str], _call: dt.date) -> dt.date | None:
    return _safe_date(int(match[1]), int(match[2]), int(match[3]))


def _month_day(match: re.Match[str], call: dt.date) -> dt.date | None:
    return _calendar_date(call, _MONTHS[match[1]], int(match[2]), match[3])


def _day_month(match: re.Match[str], call: dt.date) -> dt.date | None:
    return _calendar_date(call, _MONTHS[match[2]], int(match[1]), match[3])


def _calendar_date(call: dt.date, month: int, day: int, year: str | None) -> dt.date | None:
    if year is not None:
        return _safe_date(int(year), month, day)
    # Eight years always reach the next 29 February.
    for candidate_year in range(call.year, call.year + 9):
        candidate = _safe_date(candidate_year, month, day)
        if candidate is not None and candidate >= call:
            return candidate
    return None


def _day_of_month(match: re.Match[str], call: dt.date) -> dt.date | None:
    day = int(match[1])
    year, month = call.year, call.month
    for _ in range(13):
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= call:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _rule(pattern: str, resolve: Resolver) -> _Rule:
    return _Rule(re.compile(pattern), resolve)


_RULES = (
    _rule(
        r"\b(?:today|tonight|this (?:afternoon|evening)|end of (?:the )?day|eod"
        r"|close of business)\b",
        _same_day,
    ),
    _rule(r"\b(?:the )?day after tomorrow\b", _plus_days(2)),
    _rule(r"\btomorrow\b", _plus_days(1)),
    _rule(rf"\b(?:last|past|previous|since|every) {_WD}\b", _nothing),
    _rule(rf"\bnext {_WD}\b", _weekday_next_week),
    _rule(rf"\b{_WD},? next week\b", _weekday_next_week),
    _rule(rf"\bnext week(?:,? on {_WD})?\b", _weekday_next_week),
    _rule(r"\bend of next week\b", _end_of_next_week),
    _rule(r"\bend of (?:the |this )?week\b", _end_of_week),
    _rule(r"\bend of (?:the |this )?month\b", _end_of_month),
    _rule(rf"\b{_WD}\b", _weekday_after),
    _rule(
        rf"\b(?:in|within)\s+(?:the\s+next\s+)?{_NUM}\s+(business\s+|working\s+)?(day|week|hour)s?\b",
        _within,
    ),
    _rule(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", _iso),
    _rule(rf"\b{_MON}\s+(\d{{1,2}}){_ORD}?\b{_YEAR}", _month_day),
    _rule(rf"\b(?:the\s+)?(\d{{1,2}}){_ORD}?\s+(?:of\s+)?{_MON}\b{_YEAR}", _day_month),
    _rule(rf"\bthe\s+(\d{{1,2}}){_ORD}\b", _day_of_month),
)
