"""Service KPIs, computed in the database: one grouped query per source, the same SQL on SQLite
and PostgreSQL (SQLAlchemy Core) except for the case percentiles (``agent.kpis.case_queries``).
docs/kpis.md defines every figure; this module and that one implement it.

Case figures group cases by the case's first contact (its opening); contact figures group
contacts by their own start; surveys by their response time; action items by their call's contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from typing import cast as type_cast

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Select,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)

from agent.core.domain import LIVE_CHANNELS
from agent.core.tables import ActionItem
from agent.kpis.periods import GroupBy, KpiConfig, day_number, today_number
from agent.kpis.tables import Contact, ServiceCase, Survey

CASES = type_cast(Table, ServiceCase.__table__)  # type: ignore[attr-defined]
CONTACTS = type_cast(Table, Contact.__table__)  # type: ignore[attr-defined]
SURVEYS = type_cast(Table, Survey.__table__)  # type: ignore[attr-defined]
ACTION_ITEMS = type_cast(Table, ActionItem.__table__)  # type: ignore[attr-defined]
DONE_STATUSES = ("done", "completed")
CLOSED_STATUSES = (*DONE_STATUSES, "cancelled")

Key = int | str | None


@dataclass(frozen=True)
class KpiFilters:
    """Restrict the figures; dates are business-local calendar days, both ends included."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team: str | None = None
    agent_id: int | None = None
    customer_id: int | None = None
    category: str | None = None


@dataclass(frozen=True)
class _Columns:
    """Where a source keeps the columns that grouping and filters use."""

    customer: Any
    agent: Any
    team: Any
    category: Any
    day: Any
    month: Any


def _columns(table: Table) -> _Columns:
    c = table.c
    return _Columns(c.customer_id, c.agent_id, c.team, c.category, c.local_day, c.local_month)


def case_columns(cases: FromClause) -> _Columns:
    """A case belongs to its first contact's agent, team and local day and month."""
    c = cases.c
    return _Columns(
        c.customer_id,
        c.first_agent_id,
        c.team,
        c.category,
        c.opened_local_day,
        c.opened_local_month,
    )


def group_key(columns: _Columns, group_by: GroupBy) -> ColumnElement[Any]:
    keys: dict[GroupBy, ColumnElement[Any]] = {
        GroupBy.CUSTOMER: columns.customer,
        GroupBy.AGENT: columns.agent,
        GroupBy.TEAM: columns.team,
        GroupBy.DAY: columns.day,
        # Inline numbers, so that GROUP BY repeats the select's expression exactly (PostgreSQL).
        GroupBy.WEEK: (columns.day + literal_column("3")) // literal_column("7"),
        GroupBy.MONTH: columns.month,
    }
    return keys[group_by]


def conditions(columns: _Columns, filters: KpiFilters) -> list[ColumnElement[bool]]:
    wanted: list[tuple[Any, Any]] = [
        (columns.team, filters.team),
        (columns.agent, filters.agent_id),
        (columns.customer, filters.customer_id),
        (columns.category, filters.category),
    ]
    conditions = [column == value for column, value in wanted if value is not None]
    if filters.date_from is not None:
        conditions.append(columns.day >= day_number(filters.date_from))
    if filters.date_to is not None:
        conditions.append(columns.day <= day_number(filters.date_to))
    return conditions


def _float(value: Any) -> ColumnElement[float]:
    return cast(value, Float)


def divide(numerator: Any, denominator: Any) -> ColumnElement[float]:
    """Floating-point division, written as a plain ``/`` between two floats on every backend."""
    return _float(numerator).op("/", return_type=Float)(_float(denominator))


def ratio(numerator: ColumnElement[Any], denominator: ColumnElement[Any]) -> ColumnElement[Any]:
    return divide(numerator, func.nullif(denominator, 0))


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def contact_query(group_by: GroupBy, filters: KpiFilters, config: KpiConfig) -> Select[Any]:
    """Per group: contacts, repeat contacts, AHT, sentiment change, talk ratio."""
    c = CONTACTS.c
    columns = _columns(CONTACTS)
    repeat = and_(
        c.prev_ts.is_not(None), c.started_ts - c.prev_ts <= literal(config.repeat_window_s)
    )
    handle = c.talk_s + c.hold_s + func.coalesce(c.acw_s, literal(config.after_call_work_s))
    live = c.channel.in_([channel.value for channel in LIVE_CHANNELS])
    return (
        select(
            group_key(columns, group_by).label("key"),
            func.count().label("contacts"),
            ratio(count_if(repeat), func.count()).label("repeat_contact_rate"),
            func.avg(case((live, _float(handle)))).label("aht_s"),
            func.avg(c.sentiment_change).label("sentiment_change"),
            func.avg(c.talk_ratio).label("talk_ratio"),
        )
        .where(*conditions(columns, filters))
        .group_by(group_key(columns, group_by))
    )


def survey_query(group_by: GroupBy, filters: KpiFilters) -> Select[Any]:
    """Per group: responses, CSAT share of 4-5, NPS, mean CES."""
    c = SURVEYS.c
    columns = _columns(SURVEYS)
    nps_balance = count_if(c.nps >= 9) - count_if(c.nps <= 6)
    return (
        select(
            group_key(columns, group_by).label("key"),
            func.count().label("surveys"),
            ratio(count_if(c.csat >= 4), func.count(c.csat)).label("csat"),
            ratio(nps_balance * 100, func.count(c.nps)).label("nps"),
            func.avg(_float(c.ces)).label("ces"),
        )
        .where(*conditions(columns, filters))
        .group_by(group_key(columns, group_by))
    )


def action_item_query(group_by: GroupBy, filters: KpiFilters, config: KpiConfig) -> Select[Any]:
    """Per group: action items of the group's calls that are done, or open and past due."""
    c, a = CONTACTS.c, ACTION_ITEMS.c
    columns = _columns(CONTACTS)
    today = _today(config)
    overdue = and_(a.status.not_in(CLOSED_STATUSES), a.due_date < today)
    return (
        select(
            group_key(columns, group_by).label("key"),
            count_if(a.status.in_(DONE_STATUSES)).label("action_items_completed"),
            count_if(overdue).label("action_items_overdue"),
        )
        .select_from(CONTACTS.join(ACTION_ITEMS, a.call_id == c.call_id))
        .where(*conditions(columns, filters))
        .group_by(group_key(columns, group_by))
    )


def _today(config: KpiConfig) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=today_number(config.zone))
