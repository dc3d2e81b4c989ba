"""What the health score is made of, per customer, as of an instant: one grouped query per
source, the same SQL on SQLite and PostgreSQL (docs/engagement.md, "Health score")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from typing import cast as type_cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Table,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)

from agent.core.db import without_jit
from agent.core.tables import ActionItem
from agent.engagement.tables import CustomerLifecycle, RevenueEvent
from agent.kpis.periods import KpiConfig, from_epoch
from agent.kpis.tables import Contact, ServiceCase, Survey

CONTACTS = type_cast(Table, Contact.__table__)  # type: ignore[attr-defined]
CASES = type_cast(Table, ServiceCase.__table__)  # type: ignore[attr-defined]
SURVEYS = type_cast(Table, Survey.__table__)  # type: ignore[attr-defined]
ACTION_ITEMS = type_cast(Table, ActionItem.__table__)  # type: ignore[attr-defined]
LIFECYCLES = type_cast(Table, CustomerLifecycle.__table__)  # type: ignore[attr-defined]
REVENUE = type_cast(Table, RevenueEvent.__table__)  # type: ignore[attr-defined]

DAY_S = 86_400
RECENT_DAYS = 90  # the window of the recent components
FREQUENCY_DAYS = 30  # contact frequency: the last 30 days ...
BASELINE_DAYS = 150  # ... against the 150 days (5 months of 30 days) before them
CLOSED_STATUSES = ("done", "completed", "cancelled")


@dataclass
class HealthFacts:
    """One customer's raw figures as of the instant asked; None where there is nothing."""

    contacts_30d: int = 0
    contacts_baseline: int = 0
    contacts_90d: int = 0
    repeats_90d: int = 0
    sentiment_90d: float | None = None
    cases_90d: int = 0
    troubled_cases_90d: int = 0
    csat_90d: float | None = None
    nps_90d: float | None = None
    ces_90d: float | None = None
    action_items: int = 0
    overdue_action_items: int = 0
    last_payment_ts: int | None = None
    churned: bool = False
    calls: list[str] = field(default_factory=list)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _since(column: Any, at: int, days: int) -> ColumnElement[bool]:
    return and_(column > at - days * DAY_S, column <= at)


FactRows = list[tuple[list[str], Sequence[tuple[Any, ...]]]]


def fact_rows(
    connection: Connection, at: int, config: KpiConfig, customer_id: int | None = None
) -> FactRows:
    """Each source's fact names and rows (customer id first), as of ``at`` (epoch seconds)."""
    sources = []
    without_jit(connection)
    for query, customer in (
        _contacts(at, config),
        _cases(at),
        _surveys(at),
        _action_items(at, config),
        _payments(at),
    ):
        if customer_id is not None:
            query = query.where(customer == customer_id)
        result = connection.execute(query)
        names = list(result.keys())[1:]  # after customer_id
        # The driver's own tuples: a Row per customer would cost a third of the time at 100,000
        # customers, and the facts are plain numbers that SQLAlchemy's types leave as they are.
        sources.append((names, result.cursor.fetchall()))
        result.close()
    return sources


def gather(
    connection: Connection, at: int, config: KpiConfig, customer_id: int | None = None
) -> dict[int, HealthFacts]:
    """Every customer's facts as of ``at`` (epoch seconds), or only ``customer_id``'s."""
    facts: dict[int, HealthFacts] = {}
    for names, rows in fact_rows(connection, at, config, customer_id):
        for key, *values in rows:
            target = facts.get(key)
            if target is None:
                target = facts[key] = HealthFacts()
            vars(target).update(zip(names, map(_plain, values), strict=True))
    return facts


def _plain(value: Any) -> Any:
    return float(value) if value is not None and not isinstance(value, (int, bool)) else value


def _contacts(at: int, config: KpiConfig) -> Any:
    c = CONTACTS.c
    recent = _since(c.started_ts, at, RECENT_DAYS)
    repeat = and_(
        recent, c.prev_ts.is_not(None), c.started_ts - c.prev_ts <= config.repeat_window_s
    )
    baseline_end = at - FREQUENCY_DAYS * DAY_S
    return (
        select(
            c.customer_id,
            _count_if(_since(c.started_ts, at, FREQUENCY_DAYS)).label("contacts_30d"),
            _count_if(_since(c.started_ts, baseline_end, BASELINE_DAYS)).label("contacts_baseline"),
            _count_if(recent).label("contacts_90d"),
            _count_if(repeat).label("repeats_90d"),
            func.avg(case((recent, c.sentiment_change))).label("sentiment_90d"),
        )
        .where(c.customer_id.is_not(None))
        .group_by(c.customer_id)
    ), c.customer_id


def _cases(at: int) -> Any:
    c = CASES.c
    troubled = or_(c.resolved_ts.is_(None), c.resolved_ts > at, c.escalated == 1)
    return (
        select(
            c.customer_id,
            func.count().label("cases_90d"),
            _count_if(troubled).label("troubled_cases_90d"),
        )
        .where(c.customer_id.is_not(None), _since(c.opened_ts, at, RECENT_DAYS))
        .group_by(c.customer_id)
    ), c.customer_id


def _surveys(at: int) -> Any:
    s = SURVEYS.c
    nps_balance = _count_if(s.nps >= 9) - _count_if(s.nps <= 6)
    return (
        select(
            s.customer_id,
            (cast(_count_if(s.csat >= 4), Float) / func.nullif(func.count(s.csat), 0)).label(
                "csat_90d"
            ),
            (cast(nps_balance * 100, Float) / func.nullif(func.count(s.nps), 0)).label("nps_90d"),
            func.avg(cast(s.ces, Float)).label("ces_90d"),
        )
        .where(s.customer_id.is_not(None), _since(s.responded_ts, at, RECENT_DAYS))
        .group_by(s.customer_id)
    ), s.customer_id


def _action_items(at: int, config: KpiConfig) -> Any:
    c, a = CONTACTS.c, ACTION_ITEMS.c
    today = from_epoch(at).astimezone(config.zone).date()
    overdue = and_(a.status.not_in(CLOSED_STATUSES), a.due_date < today)
    # Grouped by an expression, not the column: otherwise SQLite walks the contacts in
    # (customer_id, started_ts) index order to skip the sort, with a table lookup for each
    # contact's call_id; one sequential scan and a sort of the few joined rows is far cheaper.
    customer = (c.customer_id + literal_column("0")).label("customer_id")
    return (
        select(
            customer,
            func.count().label("action_items"),
            _count_if(overdue).label("overdue_action_items"),
        )
        .select_from(CONTACTS.join(ACTION_ITEMS, a.call_id == c.call_id))
        # The join implies a call; said outright, SQLite skips the lookup for imported contacts.
        .where(c.call_id.is_not(None), c.customer_id.is_not(None), c.started_ts <= at)
        .group_by(customer)
    ), c.customer_id


def _payments(at: int) -> Any:
    life, r = LIFECYCLES.c, REVENUE.c
    return (
        select(
            life.customer_id,
            func.max(case((and_(r.amount_e4 > 0, r.occurred_ts <= at), r.occurred_ts))).label(
                "last_payment_ts"
            ),
            func.max(case((life.churned_ts <= at, 1), else_=0)).label("churned"),
        )
        .select_from(LIFECYCLES.outerjoin(REVENUE))
        # One lifecycle per customer; grouped by its key, SQLite reads the lifecycles in table
        # order rather than through the customer index with a table lookup each.
        .group_by(life.id)
    ), life.customer_id


def recent_calls(connection: Connection, customer_id: int, at: int) -> list[str]:
    """The calls behind a customer's recent components, newest first."""
    c = CONTACTS.c
    query = (
        select(c.call_id)
        .where(
            c.customer_id == customer_id,
            c.call_id.is_not(None),
            _since(c.started_ts, at, RECENT_DAYS),
        )
        .order_by(c.started_ts.desc())
    )
    return [str(call_id) for call_id in connection.execute(query).scalars()]
