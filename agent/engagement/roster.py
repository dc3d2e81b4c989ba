"""Every customer someone may see, with the health score, its recent history and the reason it
is low: what the web's customer list and customer page show (docs/engagement.md, "Health score").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, Engine, func, select
from sqlmodel import col

from agent.core.tables import Call, Customer
from agent.engagement.health import (
    TREND_DAYS,
    HealthComponent,
    risk_reason,
    score,
    score_change,
)
from agent.engagement.health_queries import DAY_S, HealthFacts, gather
from agent.engagement.tables import CustomerLifecycle
from agent.kpis.periods import KpiConfig, aware, from_epoch, to_epoch
from agent.kpis.tables import Contact

HISTORY_STEP_DAYS = 15
HISTORY_POINTS = 6  # scores 75, 60, ... 0 days ago; the one 30 days ago gives the trend
AT_RISK_BELOW, HEALTHY_FROM = 40.0, 70.0


class ScoreBand(StrEnum):
    AT_RISK = "at_risk"
    WATCH = "watch"
    HEALTHY = "healthy"
    UNSCORED = "unscored"


def band_of(health_score: float | None) -> ScoreBand:
    """Below 40 at risk, 70 and up healthy, watch between; unscored without a score."""
    if health_score is None:
        return ScoreBand.UNSCORED
    if health_score < AT_RISK_BELOW:
        return ScoreBand.AT_RISK
    return ScoreBand.HEALTHY if health_score >= HEALTHY_FROM else ScoreBand.WATCH


@dataclass(frozen=True)
class Standing:
    """Where a customer stands: the lifecycle's segment and dates, and the last contact."""

    segment: str | None = None
    since: dt.datetime | None = None
    churned: dt.datetime | None = None
    last_contact: dt.datetime | None = None


@dataclass(frozen=True)
class RosterEntry:
    customer_id: int
    name: str
    standing: Standing
    health_score: float | None
    trend: float | None
    reason: str | None
    risk: HealthComponent | None  # the component behind ``reason``
    history: tuple[float | None, ...]  # oldest first, HISTORY_STEP_DAYS apart, the last is now

    @property
    def band(self) -> ScoreBand:
        return band_of(self.health_score)


def history_instants(now: dt.datetime | None = None) -> list[int]:
    """The epoch seconds the history scores, oldest first; the last is now."""
    at = to_epoch(now or dt.datetime.now(dt.UTC))
    steps = range(HISTORY_POINTS - 1, -1, -1)
    return [at - step * HISTORY_STEP_DAYS * DAY_S for step in steps]


def roster(
    engine: Engine,
    config: KpiConfig,
    weights: dict[str, float],
    rep_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[RosterEntry]:
    """Every customer (only those of ``rep_user_id``'s own calls, when given), by id."""
    instants = history_instants(now)
    with engine.connect() as connection:
        customers = _customers(connection, rep_user_id)
        standings = standings_of(connection, list(customers))
        facts = [gather(connection, at, config) for at in instants]
    return [
        _entry(customer_id, name, standings[customer_id], facts, instants, weights)
        for customer_id, name in customers.items()
    ]


def score_history(
    engine: Engine,
    config: KpiConfig,
    weights: dict[str, float],
    customer_id: int,
    now: dt.datetime | None = None,
) -> list[tuple[dt.datetime, float | None]]:
    """One customer's scores at the history's instants, oldest first."""
    instants = history_instants(now)
    with engine.connect() as connection:
        facts = [gather(connection, at, config, customer_id) for at in instants]
    return [
        (from_epoch(at), score(found.get(customer_id, HealthFacts()), at, weights)[0])
        for at, found in zip(instants, facts, strict=True)
    ]


def _entry(
    customer_id: int,
    name: str,
    standing: Standing,
    facts: list[dict[int, HealthFacts]],
    instants: list[int],
    weights: dict[str, float],
) -> RosterEntry:
    scored = [
        score(found.get(customer_id, HealthFacts()), at, weights)
        for at, found in zip(instants, facts, strict=True)
    ]
    value, components, _ = scored[-1]
    month_ago = scored[-1 - TREND_DAYS // HISTORY_STEP_DAYS][0]
    return RosterEntry(
        customer_id=customer_id,
        name=name,
        standing=standing,
        health_score=value,
        trend=score_change(value, month_ago),
        reason=risk_reason(components),
        risk=components[0] if risk_reason(components) else None,
        history=tuple(point[0] for point in scored),
    )


def _customers(connection: Connection, rep_user_id: int | None) -> dict[int, str]:
    query = select(col(Customer.id), col(Customer.name)).order_by(col(Customer.id))
    if rep_user_id is not None:
        own = select(col(Call.customer_id)).where(col(Call.agent_id) == rep_user_id)
        query = query.where(col(Customer.id).in_(own))
    return {int(key or 0): name for key, name in connection.execute(query)}


def standings_of(connection: Connection, customer_ids: list[int]) -> dict[int, Standing]:
    """Each customer's segment, lifecycle dates and last contact (a call or imported contact)."""
    lifecycles = select(
        col(CustomerLifecycle.customer_id),
        col(CustomerLifecycle.segment),
        col(CustomerLifecycle.since_ts),
        col(CustomerLifecycle.churned_ts),
    ).where(col(CustomerLifecycle.customer_id).in_(customer_ids))
    found = {row[0]: row[1:] for row in connection.execute(lifecycles)}
    last = _last_contacts(connection, customer_ids)
    standings = {}
    for customer_id in customer_ids:
        segment, since, churned = found.get(customer_id, (None, None, None))
        standings[customer_id] = Standing(
            segment, _moment(since), _moment(churned), last.get(customer_id)
        )
    return standings


def _last_contacts(connection: Connection, customer_ids: list[int]) -> dict[int, dt.datetime]:
    contacts = (
        select(col(Contact.customer_id), func.max(col(Contact.started_ts)))
        .where(col(Contact.customer_id).in_(customer_ids))
        .group_by(col(Contact.customer_id))
    )
    last = {int(key or 0): from_epoch(ts) for key, ts in connection.execute(contacts)}
    call_time = func.coalesce(col(Call.started_at), col(Call.created_at))
    calls = (
        select(col(Call.customer_id), func.max(call_time))
        .where(col(Call.customer_id).in_(customer_ids))
        .group_by(col(Call.customer_id))
    )
    for key, moment in connection.execute(calls):
        moment, customer_id = aware(moment), int(key or 0)
        if customer_id not in last or moment > last[customer_id]:
            last[customer_id] = moment
    return last


def _moment(ts: int | None) -> dt.datetime | None:
    return None if ts is None else from_epoch(ts)
