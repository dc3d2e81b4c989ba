"""Each customer's health score and risk reason, written to its CRM account when they change.

The value last written is kept per customer (``health_written_to_crm``); a customer whose score
and reason are what the account already holds costs nothing. A record the CRM refuses is logged
and tried again on the next run; the others are kept.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.core.engagement_port import EngagementCrm, HealthUpdate
from agent.core.tables import Customer
from agent.engagement.health import risk_reason, score
from agent.engagement.health_queries import HealthFacts, gather
from agent.engagement.tables import HealthWrittenToCrm
from agent.kpis.periods import KpiConfig, to_epoch

log = logging.getLogger(__name__)
MAX_KEPT_REASON = 1000  # the column's length; a CRM field is shorter still


@dataclass
class HealthPushResult:
    written: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    """The CRM's error for each account it refused."""


def push_health(
    engine: Engine,
    crm: EngagementCrm,
    config: KpiConfig,
    weights: dict[str, float],
    now: dt.datetime | None = None,
) -> HealthPushResult:
    """Send the scores that changed since they were last written; no transaction stays open
    while the CRM is called."""
    at = to_epoch(now or dt.datetime.now(dt.UTC))
    current = _current(engine, config, weights, at)
    with Session(engine) as session:
        written = {row.customer_id: row for row in session.exec(select(HealthWrittenToCrm))}
    changed = {
        customer_id: update
        for customer_id, update in current.items()
        if _differs(update, written.get(customer_id))
    }
    result = HealthPushResult(unchanged=len(current) - len(changed))
    if not changed:
        return result
    errors = crm.write_health(list(changed.values()))
    with Session(engine) as session:
        for (customer_id, update), error in zip(changed.items(), errors, strict=True):
            if error is not None:
                result.failed[update.account_id] = error
                log.warning("health of account %s not written: %s", update.account_id, error)
                continue
            session.merge(_kept(customer_id, update, at))
            result.written += 1
        session.commit()
    return result


def _current(
    engine: Engine, config: KpiConfig, weights: dict[str, float], at: int
) -> dict[int, HealthUpdate]:
    with engine.connect() as connection:
        facts = gather(connection, at, config)
        query = select(col(Customer.id), col(Customer.crm_id)).where(
            col(Customer.crm_id).is_not(None)
        )
        accounts = {int(key or 0): str(crm_id) for key, crm_id in connection.execute(query)}
    updates = {}
    for customer_id, account_id in accounts.items():
        value, components, _ = score(facts.get(customer_id, HealthFacts()), at, weights)
        reason = risk_reason(components)
        updates[customer_id] = HealthUpdate(
            account_id,
            None if value is None else round(value),
            None if reason is None else reason[:MAX_KEPT_REASON],
        )
    return updates


def _differs(update: HealthUpdate, written: HealthWrittenToCrm | None) -> bool:
    if written is None:
        return update.score is not None or update.reason is not None
    return (written.crm_id, written.score, written.reason) != (
        update.account_id,
        update.score,
        update.reason,
    )


def _kept(customer_id: int, update: HealthUpdate, at: int) -> HealthWrittenToCrm:
    return HealthWrittenToCrm(
        customer_id=customer_id,
        crm_id=update.account_id,
        score=update.score,
        reason=update.reason,
        written_ts=at,
    )
