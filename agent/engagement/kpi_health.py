"""The per-customer KPI report with each customer's health score beside the service figures:
the score and its components are the ones ``GET /api/v1/customers/{id}`` gives, computed for
every customer of the report from one ``gather`` over all customers."""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from sqlalchemy import Engine

from agent.engagement.health import HealthComponent, score
from agent.engagement.health_columns import scores
from agent.engagement.health_queries import HealthFacts, fact_rows, gather
from agent.kpis.periods import GroupBy, KpiConfig, to_epoch
from agent.kpis.report import KpiReport, KpiRow


class KpiRowWithHealth(KpiRow):
    health_score: float | None = None
    health_components: list[HealthComponent] = Field(default_factory=list)


class KpiReportWithHealth(KpiReport):
    rows: list[KpiRowWithHealth]  # type: ignore[assignment]


def health_by_customer(
    engine: Engine,
    config: KpiConfig,
    weights: dict[str, float],
    now: dt.datetime | None = None,
) -> dict[int, tuple[float | None, list[HealthComponent]]]:
    """Every customer's score and components as of ``now`` (default: now)."""
    at = to_epoch(now or dt.datetime.now(dt.UTC))
    with engine.connect() as connection:
        facts = gather(connection, at, config)
    scored: dict[int, tuple[float | None, list[HealthComponent]]] = {}
    for customer_id, customer_facts in facts.items():
        value, components, _ = score(customer_facts, at, weights)
        scored[customer_id] = (value, components)
    return scored


def health_scores(
    engine: Engine,
    config: KpiConfig,
    weights: dict[str, float],
    now: dt.datetime | None = None,
) -> dict[int, float | None]:
    """Every customer's score alone as of ``now`` (default: now)."""
    at = to_epoch(now or dt.datetime.now(dt.UTC))
    with engine.connect() as connection:
        sources = fact_rows(connection, at, config)
    return scores(sources, at, weights)


def with_health(
    report: KpiReport,
    engine: Engine,
    config: KpiConfig,
    weights: dict[str, float],
    now: dt.datetime | None = None,
) -> KpiReportWithHealth:
    """``report`` (grouped by customer) with each row's health score and components."""
    if report.group_by is not GroupBy.CUSTOMER:
        raise ValueError("health scores belong to rows grouped by customer")
    scored = health_by_customer(engine, config, weights, now)
    nothing = score(HealthFacts(), 0, weights)[:2]
    rows = []
    for row in report.rows:
        key = int(row.key) if row.key is not None else None
        value, components = scored.get(key, nothing) if key is not None else (None, [])
        rows.append(
            KpiRowWithHealth(**row.model_dump(), health_score=value, health_components=components)
        )
    return KpiReportWithHealth(**report.model_dump(exclude={"rows"}), rows=rows)
