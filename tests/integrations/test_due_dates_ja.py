"""Japanese date phrases resolved against the call date (Wednesday 18 November 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from integrations.builtin_summariser.due_dates_ja import kanji_number, resolve_due_date_ja

WEDNESDAY = dt.date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("本日中にお送りします", dt.date(2026, 11, 18)),
        ("今日中に", dt.date(2026, 11, 18)),
        ("今夜やっておきます", dt.date(2026, 11, 18)),
        ("明日ご連絡します", dt.date(2026, 11, 19)),
        ("明後日までに", dt.date(2026, 11, 20)),
        ("金曜日までに", dt.date(2026, 11, 20)),
        ("水曜日に", dt.date(2026, 11, 25)),  # the call's own weekday means next week
        ("月曜までに", dt.date(2026, 11, 23)),
        ("今週の金曜日", dt.date(2026, 11, 20)),
        ("今週の月曜日", None),  # already past
        ("来週の金曜日", dt.date(2026, 11, 27)),
        ("来週月曜", dt.date(2026, 11, 23)),
        ("再来週の火曜日", dt.date(2026, 12, 1)),
        ("来週", dt.date(2026, 11, 23)),
        ("今週中に", dt.date(2026, 11, 20)),
        ("来週末までに", dt.date(2026, 11, 27)),
        ("月末までに", dt.date(2026, 11, 30)),
        ("今月中に", dt.date(2026, 11, 30)),
        ("午前中にお送りします", None),
        ("来月末", dt.date(2026, 12, 31)),
        ("3日以内に", dt.date(2026, 11, 21)),
        ("３日以内に", dt.date(2026, 11, 21)),
        ("三日以内に", dt.date(2026, 11, 21)),
        ("2営業日以内に", dt.date(2026, 11, 20)),
        ("5営業日後", dt.date(2026, 11, 25)),
        ("一週間以内に", dt.date(2026, 11, 25)),
        ("48時間以内に", dt.date(2026, 11, 20)),
        ("11月20日までに", dt.date(2026, 11, 20)),
        ("１１月２０日までに", dt.date(2026, 11, 20)),
        ("1月5日に", dt.date(2027, 1, 5)),
        ("2026年12月1日に", dt.date(2026, 12, 1)),
        ("2026/12/01", dt.date(2026, 12, 1)),
        ("12/3に", dt.date(2026, 12, 3)),
        ("20日までに", dt.date(2026, 11, 20)),
        ("二十五日までに", dt.date(2026, 11, 25)),
        ("10日に", dt.date(2026, 12, 10)),
        ("先週の金曜日に送りました", None),
        ("毎週金曜日に", None),
        ("昨日", None),
        ("2月30日", None),
        ("特に期限はありません", None),
    ],
)
def test_phrases(text: str, expected: dt.date | None) -> None:
    assert resolve_due_date_ja(text, WEDNESDAY) == expected


def test_first_phrase_wins() -> None:
    assert resolve_due_date_ja("明日確認して、金曜日までに送ります", WEDNESDAY) == dt.date(
        2026, 11, 19
    )
    assert resolve_due_date_ja("先週の金曜日の件、明日送ります", WEDNESDAY) == dt.date(2026, 11, 19)


@pytest.mark.parametrize(
    ("text", "value"), [("三", 3), ("十", 10), ("十五", 15), ("二十", 20), ("三十一", 31)]
)
def test_kanji_numbers(text: str, value: int) -> None:
    assert kanji_number(text) == value
