"""The KPI dashboard: a page, and the KPI report its charts are drawn from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from agent.auth.keys import Role
from agent.core.moments import IsoDate
from agent.core.tables import User
from agent.kpis.periods import GroupBy
from agent.kpis.queries import KpiFilters
from agent.kpis.report import KpiReport, kpi_report
from api.deps import ContainerDep, SessionDep
from api.ids import id_query
from api.web.auth import VisitorDep, require_role
from api.web.rendering import render

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
    )


@router.get("/dashboard/kpis", response_model=KpiReport)
def dashboard_kpis(
    container: ContainerDep,
    visitor: VisitorDep,
    group_by: GroupBy = GroupBy.WEEK,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
    team: str | None = None,
    agent: Annotated[int | None, id_query("Agent (user) id.")] = None,
) -> KpiReport:
    """The same report as ``GET /api/v1/kpis``, for the signed-in page."""
    require_role(visitor.principal, Role.LEAD, Role.ADMIN)
    filters = KpiFilters(date_from, date_to, team or None, agent)
    return kpi_report(container.engine, group_by, filters, container.settings.kpi_config)
