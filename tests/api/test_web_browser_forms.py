"""Each filter form in Chromium, submitted empty, partly filled and fully filled."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.db import make_engine
from agent.core.settings import Settings
from support.browser import sign_in
from support.factories import SeedSummary, make_agent, make_call, make_customer, said_in_turn
from support.keys import make_token
from support.server import Server

pytestmark = pytest.mark.slow


def seed_two_calls(settings: Settings) -> dict[str, str]:
    """Acme's done call with Sam (Support) on 18 November mentioning a router, and Globex's
    call in review with Kim on 20 November: their ids by customer."""
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        acme = make_call(
            session,
            status=CallStatus.DONE,
            customer=make_customer(session, name="Acme"),
            agent=make_agent(session, name="Sam", team="Support"),
            transcript=said_in_turn([("customer", "My router keeps dropping")]),
            summary=SeedSummary(),
        )
        globex = make_call(
            session,
            status=CallStatus.REVIEW,
            started_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
            customer=make_customer(session, name="Globex"),
            agent=make_agent(session, name="Kim", team="Sales"),
            summary=SeedSummary(resolution="unresolved", sentiment="negative"),
        )
        session.commit()
        ids = {"Acme": acme.id, "Globex": globex.id}
    engine.dispose()
    return ids


def listed(page: Page) -> set[str]:
    rows = page.locator("#call-rows tr[data-call-id]")
    return {rows.nth(i).get_attribute("data-call-id") or "" for i in range(rows.count())}


def test_the_calls_filter_works_empty_partly_and_fully_filled(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    ids = seed_two_calls(settings)
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee"))
    filters = page.locator("form.filters")

    filters.locator("button[type=submit]").click()
    blank = "q=&status=&customer=&agent=&date_from=&date_to="
    expect(page).to_have_url(f"{server.url}/calls?{blank}&sort=call_time_desc")
    assert listed(page) == set(ids.values())
    expect(page.locator("#list-summary")).to_contain_text("newest call first")
    order = page.locator("#call-rows tr[data-call-id]")
    expect(order.first).to_have_attribute("data-call-id", ids["Globex"])
    filters.locator("select[name=sort]").select_option("call_time_asc")
    filters.locator("button[type=submit]").click()
    expect(page.locator("#list-summary")).to_contain_text("oldest call first")
    expect(order.first).to_have_attribute("data-call-id", ids["Acme"])
    expect(order.first.locator(".call-title")).to_have_text("Acme · Nov 18, 2026, 10:00\u202fAM")
    expect(order.first.locator(".badge")).to_have_text(["resolved", "positive"])

    filters.locator("select[name=status]").select_option("done")
    filters.locator("button[type=submit]").click()
    expect(page.locator("#call-rows tr[data-call-id]")).to_have_count(1)
    assert listed(page) == {ids["Acme"]}

    filters.locator("select[name=status]").select_option("")
    filters.locator("input[name=date_from]").fill("2026-11-19")
    filters.locator("button[type=submit]").click()
    expect(page.locator("#call-rows tr[data-call-id]")).to_have_count(1)
    assert listed(page) == {ids["Globex"]}

    for name, value in [
        ("q", "router"),
        ("customer", "Acme"),
        ("agent", "Sam"),
        ("date_from", "2026-11-01"),
        ("date_to", "2026-11-30"),
    ]:
        filters.locator(f"input[name={name}]").fill(value)
    filters.locator("select[name=status]").select_option("done")
    filters.locator("button[type=submit]").click()
    expect(page.locator("#call-rows tr[data-call-id]")).to_have_count(1)
    assert listed(page) == {ids["Acme"]}
    expect(page.locator("input[name=customer]")).to_have_value("Acme")

    response = page.goto(f"{server.url}/calls?page=x&status=&customer=Acme")
    assert response is not None and response.status == 422
    expect(page.locator("p.error")).to_contain_text("Page")
    expect(page.locator("input[name=customer]")).to_have_value("Acme")


def test_the_dashboard_filters_work_empty_partly_and_fully_filled(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    seed_two_calls(settings)
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee"))
    page.goto(f"{server.url}/dashboard")
    status = page.locator("#dashboard-status")
    form = page.locator("#dashboard-filters")
    expect(status).to_contain_text("Periods:")

    def show(expected: dict[str, str]) -> None:
        page.evaluate("document.getElementById('dashboard-status').textContent = ''")
        with page.expect_response(lambda r: "/dashboard/kpis?group_by=agent" in r.url) as sent:
            form.locator("button[type=submit]").click()
        expect(status).to_contain_text("Periods:")
        assert sent.value.status == 200
        query = parse_qs(urlsplit(sent.value.url).query)
        assert {name: values[0] for name, values in query.items()} == expected

    show({"group_by": "agent"})
    form.locator("select[name=team]").select_option("Support")
    show({"group_by": "agent", "team": "Support"})
    form.locator("input[name=from]").fill("2026-11-01")
    form.locator("input[name=to]").fill("2026-11-30")
    form.locator("select[name=period]").select_option("day")
    form.locator("select[name=agent]").select_option(label="Kim")
    kim = form.locator("select[name=agent]").input_value()
    show(
        {
            "group_by": "agent",
            "from": "2026-11-01",
            "to": "2026-11-30",
            "team": "Support",
            "agent": kim,
        }
    )


def test_the_api_docs_render_with_every_outside_host_unreachable(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, _ = site
    page = browser.new_page()
    refused: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            refused.append(f"{route.request.resource_type} {route.request.url}")
            route.abort()

    page.route("**/*", loopback_only)
    page.goto(f"{server.url}/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=20_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/calls").first).to_be_visible()
    assert refused == []
    page.goto(f"{server.url}/redoc")
    expect(page.get_by_text("Callsight").first).to_be_visible(timeout=20_000)
    expect(page.locator("[data-section-id^='tag/']").first).to_be_attached(timeout=20_000)
    # ReDoc's bundle links its "powered by" logo from its maker's site; only that may be missed.
    assert all(r.startswith("image ") for r in refused), refused


def test_a_lead_adds_completes_and_removes_action_items_on_the_call_page(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        call_id = make_call(
            session, status=CallStatus.REVIEW, summary=SeedSummary(), action_items=1
        ).id
        session.commit()
    engine.dispose()
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee"))
    page.goto(f"{server.url}/calls/{call_id}")
    items = page.locator("div.action-item")
    expect(items).to_have_count(1)

    new = page.locator("form.action-item-new")
    new.locator("textarea[name=description]").fill("Send the replacement quote")
    new.locator("select[name=priority]").select_option("high")
    new.locator("button[type=submit]").click()
    expect(items).to_have_count(2)
    expect(items.nth(1).locator(".badge").first).to_have_text("high priority")
    expect(items.nth(1).locator("input[name=owner]")).to_have_value("agent")

    items.first.locator("text=Mark done").click()
    expect(items.first.locator(".badge.item-done")).to_have_text("done")
    expect(items.first.locator("text=Reopen")).to_be_visible()

    items.nth(1).locator("select[name=priority]").select_option("low")
    items.nth(1).locator("form.action-item-edit button[type=submit]").click()
    expect(items.nth(1).locator(".badge").first).to_have_text("low priority")

    items.first.locator("text=Remove").click()
    expect(items).to_have_count(1)
    expect(items.first.locator("textarea[name=description]")).to_have_value(
        "Send the replacement quote"
    )
