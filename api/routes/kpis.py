"""HTTP routes for service KPIs: the KPI report, a customer's page, survey responses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel

from agent.auth.keys import Principal
from agent.calls.service import require_visible_customer
from agent.core.errors import Forbidden, InvalidInput
from agent.core.moments import IsoDate
from agent.engagement.health import CustomerHealth, customer_health
from agent.kpis.customer_view import CustomerDetail, customer_detail
from agent.kpis.periods import GroupBy
from agent.kpis.queries import KpiFilters
from agent.kpis.report import KpiReport, kpi_report
from agent.kpis.surveys import SurveyIn, add_survey
from api.deps import ContainerDep, LeadDep, PrincipalDep, SessionDep
from api.error_responses import errors
from api.ids import DbId, id_query

router = APIRouter(prefix="/api/v1", tags=["kpis"])


def kpi_filters(
    principal: PrincipalDep,
    date_from: Annotated[
        IsoDate | None, Query(alias="from", description="First business-local day (ISO 8601).")
    ] = None,
    date_to: Annotated[
        IsoDate | None, Query(alias="to", description="Last business-local day (ISO 8601).")
    ] = None,
    team: str | None = None,
    agent: Annotated[int | None, id_query("Agent (user) id.")] = None,
    customer: Annotated[int | None, id_query("Customer id.")] = None,
    category: str | None = None,
) -> KpiFilters:
    """The filters as asked, narrowed to the caller's own numbers for a rep."""
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"'from' ({date_from}) is after 'to' ({date_to}); swap them")
    filters = KpiFilters(date_from, date_to, team, agent, customer, category)
    return _own_numbers(filters, principal)


def _own_numbers(filters: KpiFilters, principal: Principal) -> KpiFilters:
    if principal.sees_all_calls:
        return filters
    if filters.agent_id not in (None, principal.user_id):
        raise Forbidden("a rep key sees only its own numbers; leave out 'agent'")
    return KpiFilters(
        filters.date_from,
        filters.date_to,
        filters.team,
        principal.user_id if principal.user_id is not None else -1,
        filters.customer_id,
        filters.category,
    )


FiltersDep = Annotated[KpiFilters, Depends(kpi_filters)]


@router.get("/kpis", response_model=KpiReport, responses=errors(401, 403, 422))
def get_kpis(
    container: ContainerDep,
    filters: FiltersDep,
    group_by: GroupBy = GroupBy.CUSTOMER,
) -> KpiReport:
    """Service KPIs per customer, agent, team, day, week or month (definitions: docs/kpis.md)."""
    config = container.settings.kpi_config
    return kpi_report(container.engine, group_by, filters, config)


class CustomerWithHealth(CustomerDetail):
    health: CustomerHealth


@router.get(
    "/customers/{customer_id}",
    response_model=CustomerWithHealth,
    responses=errors(401, 403, 404, 422),
)
def get_customer(
    customer_id: DbId,
    container: ContainerDep,
    session: SessionDep,
    principal: PrincipalDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Newest contacts shown.")] = 100,
) -> CustomerWithHealth:
    """A customer's KPIs, health score and contact history, newest first; a rep sees only
    customers of their own calls."""
    customer = require_visible_customer(
        session, customer_id, principal, f"no customer {customer_id}"
    )
    if filters.customer_id not in (None, customer_id):
        raise InvalidInput("the 'customer' filter differs from the path")
    narrowed = KpiFilters(
        filters.date_from,
        filters.date_to,
        filters.team,
        filters.agent_id,
        customer_id,
        filters.category,
    )
    settings = container.settings
    detail = customer_detail(container.engine, customer, settings.kpi_config, narrowed, limit)
    health = customer_health(
        container.engine, customer, settings.kpi_config, settings.health_weights
    )
    return CustomerWithHealth(**detail.model_dump(), health=health)


class SurveyOut(BaseModel):
    id: int
    customer_id: int | None
    contact_id: int | None
    case_id: int | None
    responded_at: dt.datetime
    csat: int | None
    nps: int | None
    ces: int | None


@router.post(
    "/surveys",
    status_code=status.HTTP_201_CREATED,
    response_model=SurveyOut,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def post_survey(
    data: SurveyIn, container: ContainerDep, session: SessionDep, _lead: LeadDep
) -> SurveyOut:
    """Record a CSAT / NPS / CES response (lead or admin keys, e.g. a survey tool's)."""
    survey = add_survey(session, data, container.settings.kpi_config)
    assert survey.id is not None
    return SurveyOut(
        id=survey.id,
        customer_id=survey.customer_id,
        contact_id=survey.contact_id,
        case_id=survey.case_id,
        responded_at=dt.datetime.fromtimestamp(survey.responded_ts, dt.UTC),
        csat=survey.csat,
        nps=survey.nps,
        ces=survey.ces,
    )
