"""Business-local calendar arithmetic for KPIs: instants to local days and months, and back.

A local day is the number of days since 1970-01-01 in the business timezone; a local month is
``year * 12 + month - 1``; a week is ``(local_day + 3) // 7`` (weeks start on Monday, and
1970-01-01 was a Thursday). Rows store the day and month computed when they are written, so the
database only ever groups integers, identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo

from agent.core.domain import KpiConfig as KpiConfig  # the KPI knobs, re-exported for KPI code

EPOCH_DAY = dt.date(1970, 1, 1)


class GroupBy(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    TEAM = "team"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def aware(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes are taken as UTC."""
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=dt.UTC)


def to_epoch(moment: dt.datetime) -> int:
    return int(aware(moment).timestamp())


def from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def local_date(seconds: int, zone: zoneinfo.ZoneInfo) -> dt.date:
    return from_epoch(seconds).astimezone(zone).date()


def day_number(day: dt.date) -> int:
    return (day - EPOCH_DAY).days


def month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def local_day_and_month(seconds: int, zone: zoneinfo.ZoneInfo) -> tuple[int, int]:
    """The business-local day and month numbers of an instant."""
    day = local_date(seconds, zone)
    return day_number(day), month_number(day)


def period_label(group_by: GroupBy, number: int) -> str:
    """``2026-11-18`` for a day, ``2026-11-16`` (its Monday) for a week, ``2026-11`` for a month."""
    if group_by == GroupBy.DAY:
        return (EPOCH_DAY + dt.timedelta(days=number)).isoformat()
    if group_by == GroupBy.WEEK:
        return (EPOCH_DAY + dt.timedelta(days=number * 7 - 3)).isoformat()
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def today_number(zone: zoneinfo.ZoneInfo, now: dt.datetime | None = None) -> int:
    return day_number((now or dt.datetime.now(dt.UTC)).astimezone(zone).date())
