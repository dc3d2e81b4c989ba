"""Rewrite the lifecycle and revenue local days after the business timezone changed."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from agent.engagement.tables import CustomerLifecycle, RevenueEvent
from agent.kpis.periods import KpiConfig
from agent.kpis.relocalise import Progress, rewrite_local_days


def relocalise_engagement(
    session: Session, config: KpiConfig, on_batch: Progress | None = None
) -> int:
    """Recompute every start, churn and payment day in ``config``'s timezone; returns the number
    of values rewritten. The caller commits."""
    targets: list[tuple[Any, str, str]] = [
        (CustomerLifecycle, "since_ts", "since_local_day"),
        (CustomerLifecycle, "churned_ts", "churned_local_day"),
        (RevenueEvent, "occurred_ts", "local_day"),
    ]
    return sum(
        rewrite_local_days(session, model.__table__, moment, day, None, config, on_batch)
        for model, moment, day in targets
    )
