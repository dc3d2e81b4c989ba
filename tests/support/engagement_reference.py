"""docs/engagement.md's figures computed again in plain Python, straight from the CSV rows of
examples/engagement/ and examples/kpis/contacts.csv, to check the SQL against (UTC days)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "examples"
CUSTOMERS = ROOT / "engagement" / "customers.csv"
REVENUE = ROOT / "engagement" / "revenue.csv"
CONTACTS = ROOT / "kpis" / "contacts.csv"


def _day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


@dataclass
class Customer:
    id: str
    name: str
    segment: str | None
    since: dt.date | None
    churned: dt.date | None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as source:
        return list(csv.DictReader(source))


def customers() -> list[Customer]:
    return [
        Customer(
            r["customer_id"],
            r["name"],
            r["segment"] or None,
            _day(r["customer_since"]),
            _day(r["churned_at"]),
        )
        for r in _rows(CUSTOMERS)
    ]


def figures(who: list[Customer], first: dt.date, last: dt.date, months: int) -> dict[str, object]:
    """The documented figures for customers ``who`` over days ``first`` to ``last``."""
    ids = {c.id for c in who}
    names = {c.name for c in who}

    def active_on_start(c: Customer) -> bool:
        return (c.since is None or c.since < first) and (c.churned is None or c.churned >= first)

    def active_at_end(c: Customer) -> bool:
        return (c.since is None or c.since <= last) and (c.churned is None or c.churned > last)

    at_start = sum(active_on_start(c) for c in who)
    new = sum(c.since is not None and first <= c.since <= last for c in who)
    churned = sum(c.churned is not None and first <= c.churned <= last for c in who)
    at_end = sum(active_at_end(c) for c in who)
    to_date = sum(c.since is None or c.since <= last for c in who)
    active = at_start + new
    revenue = [r for r in _rows(REVENUE) if r["customer_id"] in ids]
    up_to_end = [r for r in revenue if _day(r["occurred_at"]) <= last]  # type: ignore[operator]
    in_period = [r for r in up_to_end if _day(r["occurred_at"]) >= first]  # type: ignore[operator]
    purchases: dict[str, int] = {}
    for r in up_to_end:
        if Decimal(r["amount"]) > 0:
            purchases[r["customer_id"]] = purchases.get(r["customer_id"], 0) + 1
    period_revenue = float(sum(Decimal(r["amount"]) for r in in_period))
    average = period_revenue / active if active else None
    churn = churned / at_start if at_start else None
    contacts = sum(
        r["customer_name"] in names and first <= _day(r["started_at"]) <= last  # type: ignore[operator]
        for r in _rows(CONTACTS)
    )
    return {
        "customers_at_start": at_start,
        "new_customers": new,
        "churned_customers": churned,
        "customers_at_end": at_end,
        "churn_rate": churn,
        "retention_rate": (at_end - new) / at_start if at_start else None,
        "repeat_purchase_rate": (
            sum(n >= 2 for n in purchases.values()) / len(purchases) if purchases else None
        ),
        "revenue": period_revenue,
        "avg_revenue_per_customer": average,
        "realised_ltv": float(sum(Decimal(r["amount"]) for r in up_to_end)) / to_date,
        "expected_ltv": average / churn if average is not None and churn else None,
        "contacts": contacts,
        "contact_rate": contacts / (active * months) if active else None,
    }


def months(first_month: dt.date, count: int) -> list[tuple[str, dt.date, dt.date]]:
    """``count`` calendar months from ``first_month``: (label, first day, last day)."""
    spans = []
    year, month = first_month.year, first_month.month
    for _ in range(count):
        start = dt.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        spans.append((start.strftime("%Y-%m"), start, dt.date(year, month, 1) - dt.timedelta(1)))
    return spans
