"""The customers pages: the list with health scores, and one customer's health and timeline.

Who sees whom follows the API: leads and admins every customer, a rep only the customers of
their own calls (``require_visible_customer``), and on a customer's page only their own calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from pydantic import Field

from agent.auth.web_sessions import SignedIn
from agent.calls import service as calls
from agent.core.errors import InvalidInput
from agent.engagement.health import customer_health
from agent.engagement.roster import (
    HISTORY_POINTS,
    HISTORY_STEP_DAYS,
    RosterEntry,
    ScoreBand,
    band_of,
    roster,
    score_history,
    standings_of,
)
from agent.engagement.timeline import timeline
from agent.kpis.customer_view import customer_detail
from agent.kpis.queries import KpiFilters
from api.deps import ContainerDep, SessionDep
from api.ids import existing_id
from api.web import i18n
from api.web.auth import VisitorDep
from api.web.form_checks import Blank, QueryForm, Text
from api.web.i18n import N_
from api.web.rendering import render, summary_line
from api.web.sparkline import sparkline

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
TIMELINE_SIZE = 20
NO_CUSTOMER = N_("There is no such customer.")
NO_PAGE = N_("There is no such page of customers.")
NO_TIMELINE_PAGE = N_("There is no such page of this customer's history.")
Page = Annotated[Annotated[int, Field(ge=1)] | None, Blank]


class CustomerSort(StrEnum):
    SCORE = "score"
    TREND = "trend"
    NAME = "name"
    LAST_CONTACT = "last_contact"


def _missing_last(value: Any) -> tuple[bool, Any]:
    return value is None, value if value is not None else 0


ORDERS: dict[CustomerSort, Callable[[RosterEntry], Any]] = {
    CustomerSort.SCORE: lambda e: (_missing_last(e.health_score), e.name.casefold()),
    CustomerSort.TREND: lambda e: (_missing_last(e.trend), e.name.casefold()),
    CustomerSort.NAME: lambda e: (e.name.casefold(), e.customer_id),
    CustomerSort.LAST_CONTACT: lambda e: (
        _missing_last(-e.standing.last_contact.timestamp() if e.standing.last_contact else None),
        e.name.casefold(),
    ),
}


class CustomerListQuery(QueryForm):
    """The customers page's filters, sort and page; blanks mean any."""

    name: Text = None
    segment: Text = None
    health: Annotated[ScoreBand | None, Blank] = None
    sort: Annotated[CustomerSort | None, Blank] = None
    page: Page = None

    def keeps(self, entry: RosterEntry) -> bool:
        segment = (entry.standing.segment or "").casefold()
        return (
            (not self.name or self.name.casefold() in entry.name.casefold())
            and (not self.segment or self.segment.casefold() == segment)
            and (not self.health or self.health == entry.band)
        )


class TimelineQuery(QueryForm):
    page: Page = None


def _rep_of(visitor: SignedIn) -> int | None:
    principal = visitor.principal
    return None if principal.sees_all_calls else principal.user_id


@router.get("/customers", response_class=HTMLResponse)
def customers_page(request: Request, visitor: VisitorDep, container: ContainerDep) -> HTMLResponse:
    """The customers the visitor may see, with health; wrong filters are explained on the page."""
    settings = container.settings
    everyone = roster(
        container.engine, settings.kpi_config, settings.health_weights, _rep_of(visitor)
    )
    segments = sorted({e.standing.segment for e in everyone if e.standing.segment})
    typed = dict(request.query_params)
    try:
        query = CustomerListQuery.read(typed)
    except InvalidInput as error:
        return _list_view(request, visitor, typed, segments, 422, error=error.message)
    sort = query.sort or CustomerSort.SCORE
    kept = sorted((e for e in everyone if query.keeps(e)), key=ORDERS[sort])
    page, pages = query.page or 1, max(1, -(-len(kept) // PAGE_SIZE))
    if page > pages:
        raise HTTPException(status.HTTP_404_NOT_FOUND, i18n.gettext(NO_PAGE))
    shown = query.model_dump(exclude={"page"}, exclude_none=True, mode="json")
    return _list_view(
        request,
        visitor,
        shown,
        segments,
        rows=[(e, sparkline(e.history)) for e in kept[(page - 1) * PAGE_SIZE :][:PAGE_SIZE]],
        total=len(kept),
        page=page,
        pages=pages,
        sort=sort.value,
        sort_urls={s.value: _list_url(shown | {"sort": s.value}) for s in CustomerSort},
        prev_url=_list_url(shown, page - 1) if page > 1 else None,
        next_url=_list_url(shown, page + 1) if page < pages else None,
    )


def _list_view(
    request: Request,
    visitor: SignedIn,
    shown: Mapping[str, object],
    segments: list[str],
    status_code: int = status.HTTP_200_OK,
    **context: Any,
) -> HTMLResponse:
    defaults: dict[str, Any] = {"rows": [], "total": 0, "sort": CustomerSort.SCORE.value}
    return render(
        request,
        "customers.html",
        visitor,
        status_code,
        nav="customers",
        filters=shown,
        segments=segments,
        bands=[band.value for band in ScoreBand],
        sorts=[s.value for s in CustomerSort],
        history_step_days=HISTORY_STEP_DAYS,
        **(defaults | context),
    )


def _list_url(filters: Mapping[str, object], page: int | None = None) -> str:
    given = {name: str(value) for name, value in filters.items() if value}
    if page:
        given["page"] = str(page)
    return f"/customers?{urlencode(given)}"


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request,
    customer_id: int,
    session: SessionDep,
    visitor: VisitorDep,
    container: ContainerDep,
) -> HTMLResponse:
    """A customer's standing, health explained, KPIs, and timeline of calls, surveys, revenue."""
    missing = i18n.gettext(NO_CUSTOMER)
    customer = calls.require_visible_customer(
        session, existing_id(customer_id, missing), visitor.principal, missing
    )
    page = _timeline_page(request)
    rep = _rep_of(visitor)
    settings = container.settings
    kpis = customer_detail(
        container.engine,
        customer,
        settings.kpi_config,
        KpiFilters(agent_id=rep, customer_id=customer_id),
        0,
    )
    health = customer_health(
        container.engine, customer, settings.kpi_config, settings.health_weights
    )
    history = score_history(
        container.engine, settings.kpi_config, settings.health_weights, customer_id
    )
    with container.engine.connect() as connection:
        standing = standings_of(connection, [customer_id])[customer_id]
    story = timeline(session, customer_id, rep, TIMELINE_SIZE, (page - 1) * TIMELINE_SIZE)
    pages = max(1, -(-story.total // TIMELINE_SIZE))
    if page > pages:
        raise HTTPException(status.HTTP_404_NOT_FOUND, i18n.gettext(NO_TIMELINE_PAGE))
    here = f"/customers/{customer_id}"
    return render(
        request,
        "customer.html",
        visitor,
        nav="customers",
        customer=customer,
        standing=standing,
        health=health,
        health_band=band_of(health.health_score),
        history_scores=[value for _, value in history],
        history_step_days=HISTORY_STEP_DAYS,
        history_span_days=HISTORY_STEP_DAYS * (HISTORY_POINTS - 1),
        trend_line=sparkline([value for _, value in history]),
        kpis=kpis.kpis,
        window_days=kpis.window_days,
        story=story,
        summary_line=summary_line,
        page=page,
        pages=pages,
        prev_url=f"{here}?page={page - 1}" if page > 1 else None,
        next_url=f"{here}?page={page + 1}" if page < pages else None,
    )


def _timeline_page(request: Request) -> int:
    try:
        return TimelineQuery.read(request.query_params).page or 1
    except InvalidInput as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, error.message) from error
