"""When things happened: the window of instants the service takes from its callers.

A call, a case closing or a survey answer happens in the service's lifetime, not in year 1 or
9999: such instants pass a lax parser, then fail for good later, when KPI arithmetic moves them
into the business timezone and past what ``datetime`` can hold. The window starts in 2000,
before any digital recording a team would bring, and ends one day from now, room for clocks a
little ahead and for a local time given without its offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
AHEAD = dt.timedelta(days=1)


def in_service_window(moment: dt.datetime) -> dt.datetime:
    """``moment`` when it lies between 2000-01-01 and one day from now; else ValueError."""
    aware = moment if moment.utcoffset() is not None else moment.replace(tzinfo=dt.UTC)
    if not EARLIEST <= aware <= dt.datetime.now(dt.UTC) + AHEAD:
        raise ValueError(
            f"{moment.isoformat()} is not a time this service takes: give one between "
            "2000-01-01 and one day from now"
        )
    return moment


EventTime = Annotated[dt.datetime, AfterValidator(in_service_window)]
