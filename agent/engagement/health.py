"""The health score: 0-100 per customer from weighted components, each explained, with its trend
and the churn-risk list (definitions: docs/engagement.md, "Health score")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import col, select

from agent.core.tables import Customer
from agent.engagement.health_queries import (
    BASELINE_DAYS,
    DAY_S,
    FREQUENCY_DAYS,
    HealthFacts,
    gather,
    recent_calls,
)
from agent.kpis.periods import KpiConfig, to_epoch

DECIMALS = 4
TREND_DAYS = 30
FRESH_PAYMENT_DAYS, STALE_PAYMENT_DAYS = 30, 180
LIST_LIMIT = 500


def N_(template: str) -> str:
    """Marks an evidence template for the web app's catalogs (it translates the template and
    fills in the values); the API and the CRM get the English text."""
    return template


class Evidence(BaseModel):
    """Why a component scored as it did: an English template and the values it names."""

    template: str
    values: dict[str, float | int | str] = Field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template.format(**self.values)


def _said(template: str, **values: float | int | str) -> Evidence:
    return Evidence(template=template, values=values)


Outcome = tuple[float, Evidence] | Evidence


class HealthComponent(BaseModel):
    name: str
    weight: float
    value: float = Field(description="How healthy this part is, 0 (worst) to 1 (best).")
    contribution: float = Field(description="Points of the 0-100 score it gives.")
    lost: float = Field(description="Points it could have given and did not.")
    evidence: str
    # The evidence as template and values, for pages that show it in another language.
    why: Evidence | None = Field(None, exclude=True)


class CustomerHealth(BaseModel):
    customer_id: int
    name: str
    as_of: dt.datetime
    health_score: float | None
    trend: float | None = Field(description=f"Score now minus {TREND_DAYS} days before.")
    reason: str | None = Field(description="The component that costs the most points.")
    components: list[HealthComponent]
    missing: dict[str, str] = Field(description="Components left out, and why.")
    missing_why: dict[str, Evidence] = Field(default_factory=dict, exclude=True)
    calls: list[str] = Field(default_factory=list, description="Recent calls behind it.")


Value = Callable[[HealthFacts, int], float | None]

# Each component's value (None: left out) is computed once, here, for both the explained score
# and the score alone; the rules below add the evidence or the reason it is left out.


def _frequency_value(f: HealthFacts, at: int) -> float | None:
    if f.contacts_baseline == 0:
        return None
    usual = f.contacts_baseline * FREQUENCY_DAYS / BASELINE_DAYS
    return 1.0 if f.contacts_30d <= usual else usual / f.contacts_30d


def _repeats_value(f: HealthFacts, at: int) -> float | None:
    return None if f.contacts_90d == 0 else 1 - f.repeats_90d / f.contacts_90d


def _cases_value(f: HealthFacts, at: int) -> float | None:
    return None if f.cases_90d == 0 else 1 - f.troubled_cases_90d / f.cases_90d


def _sentiment_value(f: HealthFacts, at: int) -> float | None:
    return None if f.sentiment_90d is None else (f.sentiment_90d + 1) / 2


def _survey_parts(f: HealthFacts) -> list[float]:
    parts = []
    if f.csat_90d is not None:
        parts.append(f.csat_90d)
    if f.nps_90d is not None:
        parts.append((f.nps_90d + 100) / 200)
    if f.ces_90d is not None:
        parts.append((7 - f.ces_90d) / 6)
    return parts


def _surveys_value(f: HealthFacts, at: int) -> float | None:
    parts = _survey_parts(f)
    return sum(parts) / len(parts) if parts else None


def _overdue_value(f: HealthFacts, at: int) -> float | None:
    return None if f.action_items == 0 else 1 / (1 + f.overdue_action_items)


def _payment_days(f: HealthFacts, at: int) -> float | None:
    return None if f.last_payment_ts is None else (at - f.last_payment_ts) / DAY_S


def _payment_value(f: HealthFacts, at: int) -> float | None:
    days = _payment_days(f, at)
    if days is None:
        return None
    span = STALE_PAYMENT_DAYS - FRESH_PAYMENT_DAYS
    return min(1.0, max(0.0, 1 - (days - FRESH_PAYMENT_DAYS) / span))


VALUES: dict[str, Value] = {
    "contact_frequency": _frequency_value,
    "repeat_contacts": _repeats_value,
    "open_cases": _cases_value,
    "sentiment": _sentiment_value,
    "surveys": _surveys_value,
    "overdue_action_items": _overdue_value,
    "revenue_recency": _payment_value,
}


def _frequency(f: HealthFacts, at: int) -> Outcome:
    value = _frequency_value(f, at)
    if value is None:
        template = N_("no contacts in the {baseline} days before the last {recent}")
        return _said(template, baseline=BASELINE_DAYS, recent=FREQUENCY_DAYS)
    usual = f.contacts_baseline * FREQUENCY_DAYS / BASELINE_DAYS
    template = N_("{contacts} contacts in {days} days, usually {usual:.4g}")
    return value, _said(template, contacts=f.contacts_30d, days=FREQUENCY_DAYS, usual=usual)


def _repeats(f: HealthFacts, at: int) -> Outcome:
    value = _repeats_value(f, at)
    if value is None:
        return _said(N_("no contacts in 90 days"))
    template = N_("{repeats} of {contacts} contacts in 90 days were repeats")
    return value, _said(template, repeats=f.repeats_90d, contacts=f.contacts_90d)


def _cases(f: HealthFacts, at: int) -> Outcome:
    value = _cases_value(f, at)
    if value is None:
        return _said(N_("no cases opened in 90 days"))
    template = N_("{troubled} of {cases} cases unresolved or escalated")
    return value, _said(template, troubled=f.troubled_cases_90d, cases=f.cases_90d)


def _sentiment(f: HealthFacts, at: int) -> Outcome:
    value = _sentiment_value(f, at)
    if value is None or f.sentiment_90d is None:
        return _said(N_("no call with a sentiment in 90 days"))
    template = N_("sentiment moved {change:+.2f} per call (-1 to +1) in 90 days")
    return value, _said(template, change=f.sentiment_90d)


def _surveys(f: HealthFacts, at: int) -> Outcome:
    value = _surveys_value(f, at)
    if value is None:
        return _said(N_("no survey answers in 90 days"))
    parts = []
    if f.csat_90d is not None:
        parts.append(f"CSAT {f.csat_90d:.2f}")
    if f.nps_90d is not None:
        parts.append(f"NPS {f.nps_90d:.0f}")
    if f.ces_90d is not None:
        parts.append(f"CES {f.ces_90d:.2f}")
    return value, _said("{scores}", scores=", ".join(parts))


def _overdue(f: HealthFacts, at: int) -> Outcome:
    value = _overdue_value(f, at)
    if value is None:
        return _said(N_("no action items"))
    template = N_("{overdue} of {items} action items overdue")
    return value, _said(template, overdue=f.overdue_action_items, items=f.action_items)


def _payment(f: HealthFacts, at: int) -> Outcome:
    value, days = _payment_value(f, at), _payment_days(f, at)
    if value is None or days is None:
        return _said(N_("no payment imported"))
    return value, _said(N_("last payment {days:.0f} days ago"), days=days)


RULES: dict[str, Callable[[HealthFacts, int], Outcome]] = {
    "contact_frequency": _frequency,
    "repeat_contacts": _repeats,
    "open_cases": _cases,
    "sentiment": _sentiment,
    "surveys": _surveys,
    "overdue_action_items": _overdue,
    "revenue_recency": _payment,
}


def _outcomes(
    facts: HealthFacts, at: int, weights: dict[str, float]
) -> tuple[dict[str, tuple[float, Evidence]], dict[str, Evidence]]:
    """Each weighted component's value and evidence, and the components left out and why."""
    found: dict[str, tuple[float, Evidence]] = {}
    missing: dict[str, Evidence] = {}
    for name, rule in RULES.items():
        outcome = rule(facts, at)
        if weights.get(name, 0) == 0:
            missing[name] = _said(N_("weight 0"))
        elif isinstance(outcome, Evidence):
            missing[name] = outcome
        else:
            found[name] = outcome
    return found, missing


def score_only(facts: HealthFacts, at: int, weights: dict[str, float]) -> float | None:
    """The score alone, as ``score`` gives it (the same sums in the same order), without
    building its explanation."""
    weighted = []
    for name, value_of in VALUES.items():
        weight = weights.get(name, 0)
        if weight != 0:
            value = value_of(facts, at)
            if value is not None:
                weighted.append((weight, value))
    total = sum(weight for weight, _ in weighted)
    if not total:
        return None
    return round(sum(100 * weight * value / total for weight, value in weighted), DECIMALS)


def score(
    facts: HealthFacts, at: int, weights: dict[str, float]
) -> tuple[float | None, list[HealthComponent], dict[str, Evidence]]:
    """The score, its components (largest loss first) and the components left out."""
    found, missing = _outcomes(facts, at, weights)
    total = sum(weights[name] for name in found)
    if not total:
        return None, [], missing
    components = [
        HealthComponent(
            name=name,
            weight=weights[name],
            value=round(value, DECIMALS),
            contribution=round(100 * weights[name] * value / total, DECIMALS),
            lost=round(100 * weights[name] * (1 - value) / total, DECIMALS),
            evidence=evidence.text,
            why=evidence,
        )
        for name, (value, evidence) in found.items()
    ]
    components.sort(key=lambda c: -c.lost)
    raw = sum(100 * weights[name] * value / total for name, (value, _) in found.items())
    return round(raw, DECIMALS), components, missing


def risk_reason(components: list[HealthComponent]) -> str | None:
    """The component that costs the most points, with its evidence; None when none costs any."""
    worst = components[0] if components else None
    if worst is None or worst.lost == 0:
        return None
    return f"{worst.name}: {worst.evidence} (-{worst.lost:.1f} points)"


def customer_health(
    engine: Engine,
    customer: Customer,
    config: KpiConfig,
    weights: dict[str, float],
    now: dt.datetime | None = None,
) -> CustomerHealth:
    """One customer's score as of ``now`` (default: now), explained."""
    assert customer.id is not None
    at = to_epoch(now or dt.datetime.now(dt.UTC))
    before = at - TREND_DAYS * DAY_S
    with engine.connect() as connection:
        facts = gather(connection, at, config, customer.id).get(customer.id, HealthFacts())
        earlier = gather(connection, before, config, customer.id).get(customer.id, HealthFacts())
        calls = recent_calls(connection, customer.id, at)
    value, components, missing = score(facts, at, weights)
    previous = score(earlier, before, weights)[0]
    return CustomerHealth(
        customer_id=customer.id,
        name=customer.name,
        as_of=dt.datetime.fromtimestamp(at, dt.UTC),
        health_score=value,
        trend=score_change(value, previous),
        reason=risk_reason(components),
        components=components,
        missing={name: why.text for name, why in missing.items()},
        missing_why=missing,
        calls=calls,
    )


def score_change(now: float | None, before: float | None) -> float | None:
    """How far a score moved; None unless both scores exist."""
    return None if now is None or before is None else round(now - before, DECIMALS)


class RiskEntry(BaseModel):
    customer_id: int
    name: str
    health_score: float | None
    trend: float | None
    reason: str | None


class RiskList(BaseModel):
    as_of: dt.datetime
    sort: str
    items: list[RiskEntry]


def risk_list(
    engine: Engine,
    config: KpiConfig,
    weights: dict[str, float],
    sort: Literal["health_score", "trend"] = "health_score",
    limit: int = 50,
    now: dt.datetime | None = None,
) -> RiskList:
    """Customers not churned, lowest score (or fastest fall) first; no score last."""
    at = to_epoch(now or dt.datetime.now(dt.UTC))
    with engine.connect() as connection:
        facts = gather(connection, at, config)
        earlier = gather(connection, at - TREND_DAYS * DAY_S, config)
        query = select(col(Customer.id), col(Customer.name))
        names = {int(key or 0): name for key, name in connection.execute(query)}
    before = at - TREND_DAYS * DAY_S
    ranked = []  # the scores alone first: only the customers shown need their explanation
    for customer_id, customer_facts in facts.items():
        if customer_facts.churned or customer_id not in names:
            continue
        value = score_only(customer_facts, at, weights)
        previous = score_only(earlier.get(customer_id, HealthFacts()), before, weights)
        ranked.append((customer_id, value, score_change(value, previous)))
    position = 1 if sort == "health_score" else 2
    ranked.sort(key=lambda entry: _order(entry[position], entry[0]))
    items = [
        RiskEntry(
            customer_id=customer_id,
            name=names[customer_id],
            health_score=value,
            trend=trend,
            reason=risk_reason(score(facts[customer_id], at, weights)[1]),
        )
        for customer_id, value, trend in ranked[:limit]
    ]
    return RiskList(as_of=dt.datetime.fromtimestamp(at, dt.UTC), sort=sort, items=items)


def _order(value: float | None, customer_id: int) -> tuple[bool, float, int]:
    return value is None, value if value is not None else 0.0, customer_id
