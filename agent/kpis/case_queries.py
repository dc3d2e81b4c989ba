"""The per-group case figures (docs/kpis.md): cases, resolved cases, FCR, resolution time mean,
median and p90, escalation rate; the percentiles are computed the fastest way each backend has.

- One grouped pass that also collects each group's resolution times in ascending order; the two
  values around each percentile are read off that array. PostgreSQL: ``array_agg`` with ORDER
  BY, any grouping. SQLite, by customer (the biggest report): ``json_group_array`` over the
  covering index ``ix_service_case_customer_kpis``, which hands each customer's cases over in
  resolution-time order; ``INDEXED BY`` pins the scan to that index, so the order holds
  whatever filters are added (SQLite before 3.44 has no ORDER BY inside an aggregate).
- SQLite, other groupings: each case's rank among its group's resolution times from window
  functions, summed into the interpolated percentile by a grouped query around them.

Both give the same floating-point operations as the definition in docs/kpis.md, so the figures
agree to the last bit across backends (``percentile_cont`` differs in the last bit, and with
resolution times in whole seconds that moves the fourth decimal of about 1 % of medians).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Alias

from agent.kpis.periods import GroupBy, KpiConfig
from agent.kpis.queries import (
    CASES,
    KpiFilters,
    case_columns,
    conditions,
    count_if,
    divide,
    group_key,
    ratio,
)

PERCENTILES = (("resolution_time_median_h", 1, 2), ("resolution_time_p90_h", 9, 10))
FIGURES_BEFORE = ("cases", "resolved_cases", "fcr_rate", "resolution_time_mean_h")
FIGURES_AFTER = ("escalation_rate",)
KPI_INDEX = "ix_service_case_customer_kpis"


class _CasesByCustomer(Alias):
    """``service_case`` read through its per-customer KPI index (``INDEXED BY`` on SQLite)."""

    inherit_cache = True


@compiles(_CasesByCustomer, "sqlite")
def _indexed_by(element: _CasesByCustomer, compiler: SQLCompiler, **kw: Any) -> str:
    if kw.get("asfrom"):
        return f"{compiler.preparer.format_table(element.element)} INDEXED BY {KPI_INDEX}"
    rendered: str = compiler.visit_alias(element, **kw)  # type: ignore[no-untyped-call]
    return rendered


def case_query(
    group_by: GroupBy, filters: KpiFilters, config: KpiConfig, dialect: str
) -> Select[Any]:
    """Per group: cases, resolved cases, FCR, resolution time mean/median/p90, escalations;
    ``dialect`` is the SQLAlchemy dialect name of the database that runs it."""
    if dialect == "postgresql" or group_by is GroupBy.CUSTOMER:
        return _sorted_times_query(group_by, filters, config, dialect)
    return _window_query(group_by, filters, config)


def _figures(r: Any, config: KpiConfig) -> list[ColumnElement[Any]]:
    """The figures that need no ordering, over columns named as on ``service_case``."""
    first_contact_resolution = and_(
        r.resolved_ts.is_not(None),
        r.first_resolved_ts.is_not(None),
        or_(
            r.second_ts.is_(None),
            and_(
                r.second_ts > r.first_resolved_ts,
                r.second_ts - r.opened_ts > literal(config.repeat_window_s),
            ),
        ),
    )
    return [
        func.count().label("cases"),
        func.count(r.resolved_ts).label("resolved_cases"),
        ratio(count_if(first_contact_resolution), func.count(r.resolved_ts)).label("fcr_rate"),
        func.avg(_hours(r.resolution_s)).label("resolution_time_mean_h"),
        ratio(func.sum(r.escalated), func.count()).label("escalation_rate"),
    ]


def _in_order(figures: list[Any], percentiles: list[Any]) -> list[Any]:
    """The columns as the report lists them: the percentiles after the mean."""
    before = len(FIGURES_BEFORE)
    return [*figures[:before], *percentiles, *figures[before:]]


def _hours(seconds: Any) -> ColumnElement[float]:
    return divide(seconds, 3600)


def _sorted_times_query(
    group_by: GroupBy, filters: KpiFilters, config: KpiConfig, dialect: str
) -> Select[Any]:
    """One grouped pass that also collects each group's resolution times in ascending order,
    nulls first; the percentiles are then read off that array."""
    on_postgres = dialect == "postgresql"
    source = CASES if on_postgres else _CasesByCustomer._construct(CASES, name=CASES.name)
    c = source.c
    key = group_key(case_columns(source), group_by)
    in_order = c.resolution_s.asc().nulls_first()
    times = (
        func.array_agg(aggregate_order_by(c.resolution_s, in_order))
        if on_postgres
        else func.json_group_array(c.resolution_s)
    )
    grouped = (
        select(
            key.label("key"),
            *_figures(c, config),
            func.count(c.resolution_s).label("size"),
            (func.count() - func.count(c.resolution_s)).label("unresolved"),
            times.label("times"),
        )
        .where(c.opened_ts.is_not(None), *conditions(case_columns(source), filters))
        .group_by(key)
        .subquery("grouped")
    )
    g = grouped.c

    def seconds_at(position: Any) -> ColumnElement[Any]:
        """The seconds at 0-based ``position`` of a group's array."""
        if on_postgres:
            return g.times[position + 1]
        return func.json_extract(g.times, literal("$[") + cast(position, String) + "]")

    percentiles = [
        _percentile_from_array(seconds_at, g.unresolved, g.size, num, den).label(name)
        for name, num, den in PERCENTILES
    ]
    figures = [g[name] for name in (*FIGURES_BEFORE, *FIGURES_AFTER)]
    return select(g.key, *_in_order(figures, percentiles))


def _percentile_from_array(
    seconds_at: Callable[[Any], ColumnElement[Any]],
    skipped: Any,
    size: Any,
    num: int,
    den: int,
) -> ColumnElement[Any]:
    """Percentile num/den in hours, linearly interpolated (as PostgreSQL's percentile_cont),
    from an array whose first ``skipped`` entries are null and whose ``size`` others ascend."""
    low = (size - 1) * num // den
    fraction = divide((size - 1) * num - low * den, den)
    below = _hours(seconds_at(skipped + low)) * (1 - fraction)
    above = func.coalesce(_hours(seconds_at(skipped + low + 1)) * fraction, 0.0)
    return case((size > 0, below + above))


def _window_query(group_by: GroupBy, filters: KpiFilters, config: KpiConfig) -> Select[Any]:
    c = CASES.c
    key = group_key(case_columns(CASES), group_by)
    by_time = c.resolution_s.asc().nulls_last()
    ranked = (
        select(
            key.label("key"),
            c.opened_ts,
            c.second_ts,
            c.first_resolved_ts,
            c.resolved_ts,
            c.resolution_s,
            c.escalated,
            func.row_number().over(partition_by=key, order_by=by_time).label("rank"),
            func.count(c.resolution_s)
            .over(partition_by=key, order_by=by_time, rows=(None, None))
            .label("size"),
        )
        .where(c.opened_ts.is_not(None), *conditions(case_columns(CASES), filters))
        .subquery("ranked")
    )
    r = ranked.c
    hours = _hours(r.resolution_s)
    percentiles = [
        _percentile_from_ranks(hours, r.rank, r.size, num, den).label(name)
        for name, num, den in PERCENTILES
    ]
    return select(r.key, *_in_order(_figures(r, config), percentiles)).group_by(r.key)


def _percentile_from_ranks(value: Any, rank: Any, size: Any, num: int, den: int) -> Any:
    """Percentile num/den (as PostgreSQL's percentile_cont) from each row's rank among the
    group's non-null values; integer division finds the two ranks around it."""
    low = (size - 1) * num // den
    fraction = divide((size - 1) * num - low * den, den)
    return func.sum(
        case(
            (rank == low + 1, value * (1 - fraction)),
            (rank == low + 2, value * fraction),
        )
    )
