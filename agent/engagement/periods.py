"""The periods an engagement report covers: whole business-local months and quarters.

Months are numbered as in the KPI tables (``year * 12 + month - 1``), quarters ``year * 4 +
(month - 1) // 3``. A report's window is a run of whole months; grouped by segment, the whole
window is the one period.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from agent.kpis.periods import EPOCH_DAY, day_number, month_number


class EngagementGroupBy(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    SEGMENT = "segment"


@dataclass(frozen=True)
class Period:
    """Business-local days ``first_day`` to ``last_day``, both included."""

    key: int
    first_day: int
    last_day: int
    months: int


def month_start(month: int) -> int:
    return day_number(dt.date(month // 12, month % 12 + 1, 1))


def month_of_day(day: int) -> int:
    return month_number(EPOCH_DAY + dt.timedelta(days=day))


def _span(key: int, first_month: int, last_month: int) -> Period:
    return Period(
        key, month_start(first_month), month_start(last_month + 1) - 1, last_month - first_month + 1
    )


def periods(group_by: EngagementGroupBy, first_month: int, last_month: int) -> list[Period]:
    """The periods from ``first_month`` to ``last_month``; a quarter either touches is whole."""
    if group_by == EngagementGroupBy.MONTH:
        return [_span(month, month, month) for month in range(first_month, last_month + 1)]
    if group_by == EngagementGroupBy.QUARTER:
        quarters = range(first_month // 3, last_month // 3 + 1)
        return [_span(quarter, quarter * 3, quarter * 3 + 2) for quarter in quarters]
    return [_span(0, first_month, last_month)]


def period_label(group_by: EngagementGroupBy, key: int) -> str:
    """``2026-11`` for a month, ``2026-Q4`` for a quarter."""
    if group_by == EngagementGroupBy.QUARTER:
        return f"{key // 4:04d}-Q{key % 4 + 1}"
    return f"{key // 12:04d}-{key % 12 + 1:02d}"
