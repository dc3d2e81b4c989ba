"""One engagement sync with the CRM: lifecycle and revenue in, then health out."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from agent.core.engagement_port import EngagementCrm
from agent.engagement.crm_pull import CrmPullResult, pull_from_crm
from agent.engagement.crm_push import HealthPushResult, push_health
from agent.kpis.periods import KpiConfig

log = logging.getLogger(__name__)


@dataclass
class EngagementSync:
    engine: Engine
    crm: EngagementCrm
    config: KpiConfig
    weights: dict[str, float]

    def run(
        self, full: bool = False, now: dt.datetime | None = None
    ) -> tuple[CrmPullResult, HealthPushResult]:
        """Pull (committed at once, so scores see it), then push; raises what the CRM raises."""
        with Session(self.engine) as session:
            pulled = pull_from_crm(session, self.crm, self.config, full)
            session.commit()
        if pulled.unknown_accounts:
            log.info(
                "CRM accounts without a customer here (by crm_id), skipped: %s",
                ", ".join(pulled.unknown_accounts[:20]),
            )
        pushed = push_health(self.engine, self.crm, self.config, self.weights, now)
        return pulled, pushed

    def run_logged(self) -> None:
        """For the schedule: a failure is logged, and the next run tries again."""
        try:
            self.run()
        except Exception:
            log.exception("engagement sync with the CRM failed; the next run tries again")
