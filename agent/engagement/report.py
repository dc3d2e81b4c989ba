"""The engagement report the API and the CLI show: churn, retention, repeat purchases, LTV and
contact rate per month, quarter or segment (definitions: docs/engagement.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine

from agent.core.errors import InvalidInput
from agent.engagement import queries
from agent.engagement.periods import (
    EngagementGroupBy,
    Period,
    month_of_day,
    period_label,
    periods,
)
from agent.engagement.tables import AMOUNT_SCALE
from agent.kpis.periods import EPOCH_DAY, KpiConfig, month_number

DECIMALS = 4
# One literal row per period in a UNION ALL: SQLite takes at most 500 compound terms.
MAX_MONTHS = 120
FIRST_YEAR, LAST_YEAR = 2000, 2099


class EngagementRow(BaseModel):
    """One group's figures; rates are fractions (0-1), money in the report's currency."""

    key: str | None
    customers_at_start: int = 0
    new_customers: int = 0
    churned_customers: int = 0
    new_customers_churned: int = Field(0, description="Started and churned in the period.")
    customers_at_end: int = 0
    active_customers: int = 0
    churn_rate: float | None = None
    retention_rate: float | None = None
    buyers: int = 0
    repeat_buyers: int = 0
    repeat_purchase_rate: float | None = None
    revenue: float | None = None
    avg_revenue_per_customer: float | None = None
    realised_ltv: float | None = None
    expected_ltv: float | None = None
    contacts: int = 0
    contact_rate: float | None = None
    why_null: dict[str, str] = Field(
        default_factory=dict, description="For each figure that is null, the reason."
    )


class EngagementReport(BaseModel):
    group_by: EngagementGroupBy
    timezone: str
    date_from: dt.date | None = Field(description="First day of the first month covered.")
    date_to: dt.date | None = Field(description="Last day of the last month covered.")
    currency: str | None = Field(description="The currency of every money figure.")
    rows: list[EngagementRow]


@dataclass(frozen=True)
class EngagementQuery:
    group_by: EngagementGroupBy
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    currency: str | None = None


def engagement_report(
    engine: Engine, asked: EngagementQuery, config: KpiConfig
) -> EngagementReport:
    """The figures per group over whole months from ``date_from``'s to ``date_to``'s (by default
    the months from the first to the last start, churn or revenue event)."""
    _check(asked)
    with engine.connect() as connection:
        window = _window(connection, asked)
        if window is None:
            return _report(asked, config, None, None, [])
        spans = periods(asked.group_by, *window)
        currency, why = _currency(connection, asked, spans[-1].last_day)
        rows = _rows(connection, asked.group_by, spans, currency, why)
    return _report(asked, config, currency, spans, rows)


def _check(asked: EngagementQuery) -> None:
    for name, day in (("from", asked.date_from), ("to", asked.date_to)):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidInput(f"'{name}' ({day}) is not between {FIRST_YEAR} and {LAST_YEAR}")
    if asked.date_from and asked.date_to:
        if asked.date_from > asked.date_to:
            raise InvalidInput(
                f"'from' ({asked.date_from}) is after 'to' ({asked.date_to}); swap them"
            )
        months = month_number(asked.date_to) - month_number(asked.date_from) + 1
        if months > MAX_MONTHS:
            raise InvalidInput(f"ask for at most {MAX_MONTHS} months at a time, not {months}")


def _report(
    asked: EngagementQuery,
    config: KpiConfig,
    currency: str | None,
    spans: list[Period] | None,
    rows: list[EngagementRow],
) -> EngagementReport:
    return EngagementReport(
        group_by=asked.group_by,
        timezone=config.timezone,
        date_from=_date(spans[0].first_day) if spans else None,
        date_to=_date(spans[-1].last_day) if spans else None,
        currency=currency,
        rows=rows,
    )


def _date(day: int) -> dt.date:
    return EPOCH_DAY + dt.timedelta(days=day)


def _window(connection: Connection, asked: EngagementQuery) -> tuple[int, int] | None:
    first_day, last_day = queries.data_days(connection)
    first = month_number(asked.date_from) if asked.date_from else _month(first_day)
    last = month_number(asked.date_to) if asked.date_to else _month(last_day)
    if first is None and last is None:
        return None
    first = last if first is None else first
    last = first if last is None else last
    assert first is not None and last is not None
    if first > last:
        return None
    if not asked.date_from:  # by default, the latest months the report can cover
        first = max(first, last - MAX_MONTHS + 1)
    elif not asked.date_to:
        last = min(last, first + MAX_MONTHS - 1)
    return first, last


def _month(day: int | None) -> int | None:
    return None if day is None else month_of_day(day)


def _currency(
    connection: Connection, asked: EngagementQuery, last_day: int
) -> tuple[str | None, str | None]:
    """The currency of the money figures, or why there is none."""
    if asked.currency:
        return asked.currency, None
    found = queries.currencies(connection, last_day)
    if len(found) > 1:
        return None, f"revenue is in {', '.join(found)}: ask for one with currency"
    return (found[0], None) if found else (None, "no revenue was imported")


def _rows(
    connection: Connection,
    group_by: EngagementGroupBy,
    spans: list[Period],
    currency: str | None,
    why_no_money: str | None,
) -> list[EngagementRow]:
    sources = [
        queries.lifecycle_counts(connection, group_by, spans),
        queries.buyers(connection, group_by, spans),
        queries.contacts(connection, group_by, spans),
    ]
    if currency is not None:
        sources.append(queries.money(connection, group_by, spans, currency))
    merged: queries.Figures = {}
    for source in sources:
        for key, values in source.items():
            merged.setdefault(key, {}).update(values)
    months = {span.key: span.months for span in spans}
    by_segment = group_by == EngagementGroupBy.SEGMENT
    return [
        _row(
            group_by,
            key,
            merged[key],
            spans[0].months if by_segment else months[int(key or 0)],
            why_no_money,
        )
        for key in sorted(merged, key=lambda k: (k is None, str(k) if by_segment else int(k or 0)))
    ]


def _row(
    group_by: EngagementGroupBy,
    key: queries.Key,
    counts: dict[str, Any],
    months: int,
    why_no_money: str | None,
) -> EngagementRow:
    figures = Figures(counts, why_no_money)
    count = figures.count
    return EngagementRow(
        key=_key(group_by, key),
        customers_at_start=count("customers_at_start"),
        new_customers=count("new_customers"),
        churned_customers=count("churned_customers"),
        new_customers_churned=count("new_customers_churned"),
        customers_at_end=count("customers_at_end"),
        active_customers=figures.active,
        churn_rate=_rounded(figures.churn_rate()),
        retention_rate=_rounded(figures.retention_rate()),
        buyers=count("buyers"),
        repeat_buyers=count("repeat_buyers"),
        repeat_purchase_rate=_rounded(figures.repeat_purchase_rate()),
        revenue=_rounded(figures.money("revenue")),
        avg_revenue_per_customer=_rounded(figures.avg_revenue_per_customer()),
        realised_ltv=_rounded(figures.realised_ltv()),
        expected_ltv=_rounded(figures.expected_ltv()),
        contacts=count("contacts"),
        contact_rate=_rounded(figures.contact_rate(months)),
        why_null=figures.why_null,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def _key(group_by: EngagementGroupBy, key: queries.Key) -> str | None:
    if group_by == EngagementGroupBy.SEGMENT or key is None:
        return None if key is None else str(key)
    return period_label(group_by, int(key))


class Figures:
    """The ratios of one group, from its counts; a figure with nothing to divide by is null, and
    ``why_null`` says why."""

    def __init__(self, counts: dict[str, Any], why_no_money: str | None) -> None:
        self.counts, self.why_no_money = counts, why_no_money
        self.why_null: dict[str, str] = {}
        self.active = self.count("customers_at_start") + self.count("new_customers")

    def count(self, name: str) -> int:
        return int(self.counts.get(name) or 0)

    def money(self, name: str) -> float | None:
        """A sum of money in currency units, or null (with the reason) when there is none."""
        if self.why_no_money:
            self.why_null[name] = self.why_no_money
            return None
        return self.count(name) / AMOUNT_SCALE

    def _ratio(self, name: str, top: float | None, bottom: float, why: str) -> float | None:
        if top is None:
            self.why_null[name] = self.why_no_money or why
            return None
        if bottom == 0:
            self.why_null[name] = why
            return None
        return top / bottom

    def churn_rate(self) -> float | None:
        why = "no customer was active at the period's start"
        churned = self.count("churned_customers")
        return self._ratio("churn_rate", churned, self.count("customers_at_start"), why)

    def retention_rate(self) -> float | None:
        kept = self.count("customers_at_end") - self.count("new_customers")
        why = "no customer was active at the period's start"
        return self._ratio("retention_rate", kept, self.count("customers_at_start"), why)

    def repeat_purchase_rate(self) -> float | None:
        why = "no customer had made a purchase by the period's end"
        repeat, buyers = self.count("repeat_buyers"), self.count("buyers")
        return self._ratio("repeat_purchase_rate", repeat, buyers, why)

    def avg_revenue_per_customer(self) -> float | None:
        revenue = None if self.why_no_money else self.count("revenue") / AMOUNT_SCALE
        why = "no customer was active in the period"
        return self._ratio("avg_revenue_per_customer", revenue, self.active, why)

    def realised_ltv(self) -> float | None:
        revenue = None if self.why_no_money else self.count("revenue_to_date") / AMOUNT_SCALE
        why = "no customer had started by the period's end"
        return self._ratio("realised_ltv", revenue, self.count("customers_to_date"), why)

    def expected_ltv(self) -> float | None:
        average, churn = self.avg_revenue_per_customer(), self.churn_rate()
        if average is None or churn is None:
            reason = self.why_null.get("avg_revenue_per_customer") or self.why_null["churn_rate"]
            self.why_null["expected_ltv"] = reason
            return None
        if churn == 0:
            self.why_null["expected_ltv"] = (
                "no customer churned in the period: the expected lifetime has no end"
            )
            return None
        return average / churn

    def contact_rate(self, months: int) -> float | None:
        why = "no customer was active in the period"
        return self._ratio("contact_rate", self.count("contacts"), self.active * months, why)
