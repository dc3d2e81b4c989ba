"""Engagement counts and sums, computed in the database: the same SQL on SQLite and PostgreSQL.

Each query crosses the report's periods (a small ``UNION ALL`` of literal rows) with the
customers' lifecycles and groups by the period, or by the customer's segment; every comparison is
between stored business-local day numbers. docs/engagement.md defines each figure; the ratios
are taken from these counts in ``agent.engagement.report``.
"""

from __future__ import annotations

from typing import Any
from typing import cast as type_cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Subquery,
    Table,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from agent.engagement.periods import EngagementGroupBy, Period
from agent.engagement.tables import CustomerLifecycle, RevenueEvent
from agent.kpis.tables import Contact

LIFECYCLES = type_cast(Table, CustomerLifecycle.__table__)  # type: ignore[attr-defined]
REVENUE = type_cast(Table, RevenueEvent.__table__)  # type: ignore[attr-defined]
CONTACTS = type_cast(Table, Contact.__table__)  # type: ignore[attr-defined]

Key = int | str | None
Figures = dict[Key, dict[str, Any]]


def _periods_table(periods: list[Period]) -> Subquery:
    rows = [
        select(
            literal(p.key, Integer).label("key"),
            literal(p.first_day, Integer).label("first_day"),
            literal(p.last_day, Integer).label("last_day"),
        )
        for p in periods
    ]
    return union_all(*rows).subquery("periods")


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _group(group_by: EngagementGroupBy, period: Subquery) -> ColumnElement[Any]:
    return LIFECYCLES.c.segment if group_by == EngagementGroupBy.SEGMENT else period.c.key


def lifecycle_counts(
    connection: Connection, group_by: EngagementGroupBy, periods: list[Period]
) -> Figures:
    """Per group: customers active at the start and at the end, new, churned, started by end."""
    p, c = _periods_table(periods), LIFECYCLES.c
    since_unknown, churn_unknown = c.since_local_day.is_(None), c.churned_local_day.is_(None)
    started_by_end = or_(since_unknown, c.since_local_day <= p.c.last_day)
    counts = {
        "customers_at_start": and_(
            or_(since_unknown, c.since_local_day < p.c.first_day),
            or_(churn_unknown, c.churned_local_day >= p.c.first_day),
        ),
        "new_customers": c.since_local_day.between(p.c.first_day, p.c.last_day),
        "churned_customers": c.churned_local_day.between(p.c.first_day, p.c.last_day),
        "new_customers_churned": and_(
            c.since_local_day.between(p.c.first_day, p.c.last_day),
            c.churned_local_day.between(p.c.first_day, p.c.last_day),
        ),
        "customers_at_end": and_(
            started_by_end, or_(churn_unknown, c.churned_local_day > p.c.last_day)
        ),
        "customers_to_date": started_by_end,
    }
    key = _group(group_by, p)
    query = (
        select(key.label("key"), *(_count_if(v).label(n) for n, v in counts.items()))
        .select_from(p.join(LIFECYCLES, true()))
        .group_by(key)
    )
    return _by_key(connection, query)


def money(
    connection: Connection, group_by: EngagementGroupBy, periods: list[Period], currency: str
) -> Figures:
    """Per group, in ``currency``'s ten-thousandths: the period's revenue and revenue to its end."""
    p, r = _periods_table(periods), REVENUE.c
    key = _group(group_by, p)
    in_period = r.local_day.between(p.c.first_day, p.c.last_day)
    query = (
        select(
            key.label("key"),
            func.coalesce(func.sum(case((in_period, r.amount_e4), else_=0)), 0).label("revenue"),
            func.coalesce(func.sum(r.amount_e4), 0).label("revenue_to_date"),
        )
        .select_from(p.join(REVENUE, r.local_day <= p.c.last_day).join(LIFECYCLES))
        .where(r.currency == currency)
        .group_by(key)
    )
    return _by_key(connection, query)


def buyers(connection: Connection, group_by: EngagementGroupBy, periods: list[Period]) -> Figures:
    """Per group: customers with one or more, and two or more, purchases up to the period's end.

    A purchase is a revenue event with a positive amount, in any currency."""
    p, r = _periods_table(periods), REVENUE.c
    key = _group(group_by, p)
    per_customer = (
        select(key.label("key"), func.count().label("purchases"))
        .select_from(
            p.join(REVENUE, and_(r.local_day <= p.c.last_day, r.amount_e4 > 0)).join(LIFECYCLES)
        )
        .group_by(key, LIFECYCLES.c.id)
        .subquery("per_customer")
    )
    b = per_customer.c
    query = select(
        b.key,
        func.count().label("buyers"),
        _count_if(b.purchases >= 2).label("repeat_buyers"),
    ).group_by(b.key)
    return _by_key(connection, query)


def contacts(connection: Connection, group_by: EngagementGroupBy, periods: list[Period]) -> Figures:
    """Per group: contacts of customers with lifecycle data, in the period."""
    p, k = _periods_table(periods), CONTACTS.c
    key = _group(group_by, p)
    query = (
        select(key.label("key"), func.count().label("contacts"))
        .select_from(
            p.join(CONTACTS, k.local_day.between(p.c.first_day, p.c.last_day)).join(
                LIFECYCLES, LIFECYCLES.c.customer_id == k.customer_id
            )
        )
        .group_by(key)
    )
    return _by_key(connection, query)


def currencies(connection: Connection, last_day: int) -> list[str]:
    """The currencies of revenue up to ``last_day``, in alphabetical order."""
    query = select(REVENUE.c.currency).where(REVENUE.c.local_day <= last_day).distinct()
    return sorted(connection.execute(query).scalars())


def data_days(connection: Connection) -> tuple[int | None, int | None]:
    """The first and last business-local day of any start, churn or revenue event."""
    c, r = LIFECYCLES.c, REVENUE.c
    days = union_all(
        select(c.since_local_day.label("day")),
        select(c.churned_local_day.label("day")),
        select(r.local_day.label("day")),
    ).subquery("days")
    first, last = connection.execute(select(func.min(days.c.day), func.max(days.c.day))).one()
    return first, last


def _by_key(connection: Connection, query: Any) -> Figures:
    figures: Figures = {}
    for row in connection.execute(query).mappings():
        figures[row["key"]] = {name: value for name, value in row.items() if name != "key"}
    return figures
