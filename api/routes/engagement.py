"""HTTP routes for customer engagement: churn, retention, repeat purchases, LTV, contact rate,
and the churn-risk list by health score."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from agent.core.moments import IsoDate
from agent.engagement.health import LIST_LIMIT, RiskList, risk_list
from agent.engagement.periods import EngagementGroupBy
from agent.engagement.report import EngagementQuery, EngagementReport, engagement_report
from agent.engagement.rows import Currency
from api.deps import ContainerDep, LeadDep
from api.error_responses import errors

router = APIRouter(prefix="/api/v1", tags=["engagement"])


@router.get("/engagement", response_model=EngagementReport, responses=errors(401, 403, 422))
def get_engagement(
    container: ContainerDep,
    _lead: LeadDep,
    group_by: EngagementGroupBy = EngagementGroupBy.MONTH,
    date_from: Annotated[
        IsoDate | None,
        Query(alias="from", description="A day in the first month covered (ISO 8601)."),
    ] = None,
    date_to: Annotated[
        IsoDate | None,
        Query(alias="to", description="A day in the last month covered (ISO 8601)."),
    ] = None,
    currency: Annotated[
        Currency | None,
        Query(description="ISO 4217 code of the revenue counted; needed when there are several."),
    ] = None,
) -> EngagementReport:
    """Churn, retention, repeat purchases, LTV and contact rate per month, quarter or segment,
    over whole months (lead or admin keys; definitions: docs/engagement.md)."""
    asked = EngagementQuery(group_by, date_from, date_to, currency)
    return engagement_report(container.engine, asked, container.settings.kpi_config)


@router.get("/customers", response_model=RiskList, responses=errors(401, 403, 422))
def get_customers(
    container: ContainerDep,
    _lead: LeadDep,
    sort: Annotated[
        Literal["health_score", "trend"],
        Query(description="Lowest score first, or the fastest fall first."),
    ] = "health_score",
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = 50,
) -> RiskList:
    """The churn-risk list: customers not churned, with their health score, its trend and the
    reason (lead or admin keys; definitions: docs/engagement.md)."""
    settings = container.settings
    return risk_list(container.engine, settings.kpi_config, settings.health_weights, sort, limit)
