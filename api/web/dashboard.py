"""The KPI dashboard: a page, and the KPI report its charts are drawn from."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from agent.auth.keys import Role
from agent.core.tables import User
from agent.kpis.periods import GroupBy
from agent.kpis.queries import KpiFilters
from agent.kpis.report import KpiReport, kpi_report
from api.deps import ContainerDep, SessionDep
from api.web.auth import VisitorDep, require_role
from api.web.form_checks import KpiQuery
from api.web.rendering import render
from api.web.vendor import plotly_url

router = APIRouter(include_in_schema=False)

TREND_PERIODS = (GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    require_role(visitor.principal, Role.LEAD, Role.ADMIN)
    agents = session.exec(select(User.id, User.name).order_by(col(User.name))).all()
    teams = session.exec(
        select(User.team).where(col(User.team).is_not(None)).distinct().order_by(col(User.team))
    ).all()
    return render(
        request,
        "dashboard.html",
        visitor,
        nav="dashboard",
        agents=agents,
        teams=teams,
        periods=[p.value for p in TREND_PERIODS],
        plotly_url=plotly_url(),
    )


@router.get("/dashboard/kpis", response_model=KpiReport)
def dashboard_kpis(request: Request, container: ContainerDep, visitor: VisitorDep) -> KpiReport:
    """The same report as ``GET /api/v1/kpis``, for the signed-in page; blank filters mean all."""
    require_role(visitor.principal, Role.LEAD, Role.ADMIN)
    query = KpiQuery.read(request.query_params)
    filters = KpiFilters(query.date_from, query.date_to, query.team, query.agent)
    return kpi_report(container.engine, query.period, filters, container.settings.kpi_config)
