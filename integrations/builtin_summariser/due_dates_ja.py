"""Japanese date phrases resolved to calendar dates relative to the day of the call.

Rules (weeks run Monday to Sunday, as in ``due_dates``):

- 今日, 本日, 今日中, 本日中, 今晩, 今夜, 今夕, 夕方: the call date. 明日/あした: +1 day.
  明後日/あさって: +2 days.
- A weekday (金曜日, 金曜, 金曜日まで): its next occurrence strictly after the call date.
  今週の金曜日: that day of the call's week (nothing once it is past). 来週の金曜日 / 来週金曜:
  that day of the following week. 再来週の金曜日: of the week after that.
- 来週: Monday of the following week. 今週中, 今週末: Friday of the call's week (or the call date
  when later). 来週中, 来週末: Friday of the following week. 月末, 今月末, 今月中: the month's last
  day. 来月末, 来月中: the last day of the next month.
- N日以内, N日後, N日で: N days. N営業日(以内/後): N weekdays. N週間(以内/後): 7·N days.
  N時間以内: N÷24 whole days. Numbers in digits (full-width too) or kanji (三, 十五, 二十).
- Calendar dates: 2026年11月20日, 11月20日, 2026-11-20, 2026/11/20, 11/20, and a bare 20日
  (まで/までに/に). Without a year the first such date on or after the call date.
- Past or recurring mentions (先週の金曜日, 毎週金曜日, 昨日) give nothing.

When several phrases occur, the one that starts first wins (the longest, when two start together).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator

from integrations.builtin_summariser.due_dates import add_business_days, monday_of, next_weekday
from integrations.builtin_summariser.text import normalise

_WEEKDAYS = "月火水木金土日"
_WD = rf"([{_WEEKDAYS}])曜日?"
_KANJI_DIGITS = {
    "〇": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十]+(?=[日週時か営])")

Resolver = Callable[[re.Match[str], dt.date], dt.date | None]


def resolve_due_date_ja(text: str, call_date: dt.date) -> dt.date | None:
    """The date the first Japanese date phrase in ``text`` names, relative to ``call_date``."""
    prepared = _KANJI_NUMBER.sub(lambda m: str(kanji_number(m[0])), normalise(text))
    found = sorted(_candidates(prepared, call_date), key=lambda c: (c[0], -c[1]))
    covered_until = -1
    for start, end, due in found:
        if start < covered_until:
            continue
        if due is not None:
            return due
        covered_until = end
    return None


def kanji_number(text: str) -> int:
    """``"二十五"`` -> 25, ``"十"`` -> 10, ``"三"`` -> 3 (up to 99)."""
    tens, _, ones = text.rpartition("十")
    if "十" not in text:
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    high = _KANJI_DIGITS.get(tens, 1) if tens else 1
    return high * 10 + (_KANJI_DIGITS.get(ones, 0) if ones else 0)


def _candidates(text: str, call: dt.date) -> Iterator[tuple[int, int, dt.date | None]]:
    for pattern, resolve in _RULES:
        for match in pattern.finditer(text):
            try:
                due = resolve(match, call)
            except (OverflowError, ValueError):
                due = None
            yield match.start(), match.end(), due


def _weekday(symbol: str) -> int:
    return _WEEKDAYS.index(symbol)


def _same_day(_m: re.Match[str], call: dt.date) -> dt.date:
    return call


def _plus(days: int) -> Resolver:
    return lambda _m, call: call + dt.timedelta(days=days)


def _nothing(_m: re.Match[str], _call: dt.date) -> None:
    return None


def _weekday_in_week(weeks_ahead: int) -> Resolver:
    def resolve(match: re.Match[str], call: dt.date) -> dt.date | None:
        offset = _weekday(match[1]) if match.lastindex else 0
        day = monday_of(call) + dt.timedelta(days=7 * weeks_ahead + offset)
        return day if day >= call else None

    return resolve


def _friday_of(weeks_ahead: int) -> Resolver:
    return lambda _m, call: max(call, monday_of(call) + dt.timedelta(days=7 * weeks_ahead + 4))


def _month_end(months_ahead: int) -> Resolver:
    def resolve(_m: re.Match[str], call: dt.date) -> dt.date:
        year, month = divmod(call.month - 1 + months_ahead, 12)
        year, month = call.year + year, month + 1
        return dt.date(year, month, calendar.monthrange(year, month)[1])

    return resolve


def _next_weekday(match: re.Match[str], call: dt.date) -> dt.date:
    return next_weekday(call, _weekday(match[1]))


def _within(match: re.Match[str], call: dt.date) -> dt.date:
    count, unit = int(match[1]), match[2]
    if unit == "営業日":
        return add_business_days(call, count)
    if unit == "週間":
        return call + dt.timedelta(weeks=count)
    if unit == "時間":
        return call + dt.timedelta(days=count // 24)
    return call + dt.timedelta(days=count)


def _full_date(match: re.Match[str], _call: dt.date) -> dt.date:
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def _month_day(match: re.Match[str], call: dt.date) -> dt.date | None:
    month, day = int(match[1]), int(match[2])
    for year in range(call.year, call.year + 9):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= call:
            return candidate
    return None


def _day_of_month(match: re.Match[str], call: dt.date) -> dt.date | None:
    day, year, month = int(match[1]), call.year, call.month
    for _ in range(13):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= call:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


_RULES: tuple[tuple[re.Pattern[str], Resolver], ...] = tuple(
    (re.compile(pattern), resolve)
    for pattern, resolve in (
        (r"(?:今日|本日)中?|今晩|今夜|今夕|夕方|終業(?:時間)?まで", _same_day),
        (r"明後日|あさって", _plus(2)),
        (r"明日|あした", _plus(1)),
        (r"昨日|おととい|一昨日", _nothing),
        (rf"(?:先週|先々週|毎週|前回|この前)の?{_WD}", _nothing),
        (rf"今週の?{_WD}", _weekday_in_week(0)),
        (rf"再来週の?{_WD}", _weekday_in_week(2)),
        (rf"来週の?{_WD}", _weekday_in_week(1)),
        (r"今週(?:中|末|いっぱい)", _friday_of(0)),
        (r"来週(?:中|末|いっぱい)", _friday_of(1)),
        (r"来週", _weekday_in_week(1)),
        (r"今月(?:末|中|いっぱい)|月末", _month_end(0)),
        (r"来月(?:末|中|いっぱい)", _month_end(1)),
        (_WD, _next_weekday),
        (r"(\d{1,3})\s*(営業日|日|週間|時間)(?:以内|後|で|ほど|くらい|ぐらい)", _within),
        (r"(\d{4})年(\d{1,2})月(\d{1,2})日", _full_date),
        (r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", _full_date),
        (r"(\d{1,2})月(\d{1,2})日", _month_day),
        (r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])", _month_day),
        (r"(?<![\d月])(\d{1,2})日(?=まで|に|の|中|ごろ|頃)", _day_of_month),
    )
)
