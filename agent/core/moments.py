"""When things happened: the window of instants the service takes from its callers.

A call, a case closing or a survey answer happens in the service's lifetime, not in year 1 or
9999: such instants pass a lax parser, then fail for good later, when KPI arithmetic moves them
into the business timezone and past what ``datetime`` can hold. The window starts in 2000,
before any digital recording a team would bring, and ends one day from now, room for clocks a
little ahead and for a local time given without its offset.

Dates and times are read from ISO 8601 text only. Pydantic's lax mode reads a number, or text
that looks like one, as Unix seconds: ``started_to=0.5`` would mean 1970-01-01, ``-1`` the
last second of 1969, and ``20230601`` a day in August 1970.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
AHEAD = dt.timedelta(days=1)


def in_service_window(moment: dt.datetime) -> dt.datetime:
    """``moment`` when it lies between 2000-01-01 and one day from now; else ValueError."""
    if not EARLIEST <= with_offset(moment) <= dt.datetime.now(dt.UTC) + AHEAD:
        raise ValueError(
            f"{moment.isoformat()} is not a time this service takes: give one between "
            "2000-01-01 and one day from now"
        )
    return moment


def iso_datetime(value: object) -> object:
    """A datetime from ISO 8601 text (e.g. 2026-11-18T10:00:00Z); a datetime passes as it is."""
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(_text(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 date and time (e.g. 2026-11-18T10:00:00Z)"
        ) from None


def with_offset(moment: dt.datetime) -> dt.datetime:
    """``moment`` with its UTC offset: none given means UTC. An instant with no UTC
    equivalent (0001-01-01T00:00+01:00) is refused; the database drivers fail on it."""
    if moment.utcoffset() is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        moment.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is out of range in UTC") from None
    return moment


def iso_date(value: object) -> object:
    """A date from ISO 8601 text (e.g. 2026-11-18); a date passes as it is."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date (e.g. 2026-11-18)") from None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


IsoDateTime = Annotated[dt.datetime, BeforeValidator(iso_datetime), AfterValidator(with_offset)]
IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
EventTime = Annotated[IsoDateTime, AfterValidator(in_service_window)]
