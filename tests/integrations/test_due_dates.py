"""Due-date phrases resolved against the call date, through the built-in summariser's resolver."""

from __future__ import annotations

import datetime as dt

import pytest

from integrations.builtin_summariser import resolve_due_date

WEDNESDAY = dt.date(2026, 11, 18)
FRIDAY = dt.date(2026, 11, 20)
SATURDAY = dt.date(2026, 11, 21)
SUNDAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "call_date", "expected"),
    [
        ("I'll send it today.", WEDNESDAY, dt.date(2026, 11, 18)),
        ("You'll have it by end of day", WEDNESDAY, dt.date(2026, 11, 18)),
        ("by the end of the day", WEDNESDAY, dt.date(2026, 11, 18)),
        ("I will restart the router tonight.", WEDNESDAY, dt.date(2026, 11, 18)),
        ("I'll call you back tomorrow morning.", WEDNESDAY, dt.date(2026, 11, 19)),
        ("the day after tomorrow", WEDNESDAY, dt.date(2026, 11, 20)),
        ("by Friday", WEDNESDAY, dt.date(2026, 11, 20)),
        ("on Monday", WEDNESDAY, dt.date(2026, 11, 23)),
        ("this Thursday", WEDNESDAY, dt.date(2026, 11, 19)),
        ("on Wednesday", WEDNESDAY, dt.date(2026, 11, 25)),
        ("by Friday", FRIDAY, dt.date(2026, 11, 27)),
        ("next Tuesday", WEDNESDAY, dt.date(2026, 11, 24)),
        ("next Friday", WEDNESDAY, dt.date(2026, 11, 27)),
        ("next Monday", SUNDAY, dt.date(2026, 11, 23)),
        ("Thursday next week", WEDNESDAY, dt.date(2026, 11, 26)),
        ("next week on Tuesday", WEDNESDAY, dt.date(2026, 11, 24)),
        ("sometime next week", WEDNESDAY, dt.date(2026, 11, 23)),
        ("next week", SUNDAY, dt.date(2026, 11, 23)),
        ("by the end of the week", WEDNESDAY, dt.date(2026, 11, 20)),
        ("end of week", FRIDAY, dt.date(2026, 11, 20)),
        ("end of the week", SATURDAY, dt.date(2026, 11, 21)),
        ("by the end of next week", WEDNESDAY, dt.date(2026, 11, 27)),
        ("before the end of the month", WEDNESDAY, dt.date(2026, 11, 30)),
        ("in 3 days", WEDNESDAY, dt.date(2026, 11, 21)),
        ("within five days", WEDNESDAY, dt.date(2026, 11, 23)),
        ("within the next two days", WEDNESDAY, dt.date(2026, 11, 20)),
        ("in a couple of days", WEDNESDAY, dt.date(2026, 11, 20)),
        ("in a day", WEDNESDAY, dt.date(2026, 11, 19)),
        ("in ten days", WEDNESDAY, dt.date(2026, 11, 28)),
        ("in 3 business days", WEDNESDAY, dt.date(2026, 11, 23)),
        ("within two working days", FRIDAY, dt.date(2026, 11, 24)),
        ("in one business day", SATURDAY, dt.date(2026, 11, 23)),
        ("in two weeks", WEDNESDAY, dt.date(2026, 12, 2)),
        ("within 48 hours", WEDNESDAY, dt.date(2026, 11, 20)),
        ("March 3", WEDNESDAY, dt.date(2027, 3, 3)),
        ("on Mar. 3rd", WEDNESDAY, dt.date(2027, 3, 3)),
        ("the 3rd of March", WEDNESDAY, dt.date(2027, 3, 3)),
        ("3 December", WEDNESDAY, dt.date(2026, 12, 3)),
        ("December 3, 2027", WEDNESDAY, dt.date(2027, 12, 3)),
        ("November 18", WEDNESDAY, dt.date(2026, 11, 18)),
        ("November 17", WEDNESDAY, dt.date(2027, 11, 17)),
        ("by the 15th", WEDNESDAY, dt.date(2026, 12, 15)),
        ("by the 25th", WEDNESDAY, dt.date(2026, 11, 25)),
        ("on the 18th", WEDNESDAY, dt.date(2026, 11, 18)),
        ("2026-03-03", WEDNESDAY, dt.date(2026, 3, 3)),
        ("due 2027-01-05 at the latest", WEDNESDAY, dt.date(2027, 1, 5)),
        ("TOMORROW", WEDNESDAY, dt.date(2026, 11, 19)),
        ("by Friday\u2019s delivery", WEDNESDAY, dt.date(2026, 11, 20)),
    ],
)
def test_resolves_phrases(text: str, call_date: dt.date, expected: dt.date) -> None:
    assert resolve_due_date(text, call_date) == expected


@pytest.mark.parametrize(
    ("text", "call_date", "expected"),
    [
        ("in 3 days", dt.date(2026, 1, 30), dt.date(2026, 2, 2)),
        ("tomorrow", dt.date(2026, 4, 30), dt.date(2026, 5, 1)),
        ("by the end of the week", dt.date(2026, 4, 29), dt.date(2026, 5, 1)),
        ("end of the month", dt.date(2028, 2, 10), dt.date(2028, 2, 29)),
        ("the 31st", dt.date(2026, 11, 18), dt.date(2026, 12, 31)),
        ("the 30th", dt.date(2027, 2, 10), dt.date(2027, 3, 30)),
        ("the 31st", dt.date(2027, 4, 10), dt.date(2027, 5, 31)),
    ],
)
def test_rolls_over_month_ends(text: str, call_date: dt.date, expected: dt.date) -> None:
    assert resolve_due_date(text, call_date) == expected


@pytest.mark.parametrize(
    ("text", "call_date", "expected"),
    [
        ("tomorrow", dt.date(2026, 12, 31), dt.date(2027, 1, 1)),
        ("next week", dt.date(2026, 12, 30), dt.date(2027, 1, 4)),
        ("by Monday", dt.date(2026, 12, 31), dt.date(2027, 1, 4)),
        ("in 2 business days", dt.date(2026, 12, 31), dt.date(2027, 1, 4)),
        ("January 5", dt.date(2026, 12, 20), dt.date(2027, 1, 5)),
        ("the 5th", dt.date(2026, 12, 20), dt.date(2027, 1, 5)),
        ("February 29", dt.date(2026, 11, 18), dt.date(2028, 2, 29)),
    ],
)
def test_rolls_over_year_ends(text: str, call_date: dt.date, expected: dt.date) -> None:
    assert resolve_due_date(text, call_date) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "I will send you the adapter.",
        "We spoke last Friday about this.",
        "It has been dropping since Monday.",
        "The technician visits every Tuesday.",
        "April 31",
        "2026-02-30",
        "the 32nd",
        "I called about 3 times",
        "It costs 25 pounds a month",
        "in 5000 days",
        "I may call",
    ],
)
def test_gives_nothing_without_a_future_date(text: str) -> None:
    assert resolve_due_date(text, WEDNESDAY) is None


def test_first_phrase_in_the_text_wins() -> None:
    text = "I'll call you tomorrow to confirm the engineer for Friday."
    assert resolve_due_date(text, WEDNESDAY) == dt.date(2026, 11, 19)


def test_past_mention_does_not_hide_a_later_date() -> None:
    text = "You called last Monday, so I'll send it by Friday."
    assert resolve_due_date(text, WEDNESDAY) == dt.date(2026, 11, 20)


def test_near_the_end_of_the_calendar_gives_nothing_rather_than_crashing() -> None:
    assert resolve_due_date("in two weeks", dt.date(9999, 12, 30)) is None
    assert resolve_due_date("March 3", dt.date(9999, 12, 30)) is None


def test_hostile_input_is_just_text() -> None:
    text = "__import__('os').system('echo hi') " + "tomorrow? " * 5_000 + "\u202e\x00\ud7ff"
    assert resolve_due_date(text, WEDNESDAY) == dt.date(2026, 11, 19)
