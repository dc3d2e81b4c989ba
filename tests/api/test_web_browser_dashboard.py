"""The dashboard's charts in headless Chromium: plotly.js from the app, units by magnitude, a single
period, no data, CSV export, and nothing fetched from anywhere but the app itself."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, expect
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.db import make_engine
from agent.core.settings import Settings
from agent.kpis.history_import import import_csv
from support.browser import DASHBOARD_DRAWN, SCREENSHOTS, shoot, sign_in
from support.keys import make_token
from support.server import Server

pytestmark = pytest.mark.slow

# Two weeks, each with one case resolved two (then three) minutes after its contact started.
CASES = """case_id,customer_name,category,crm_case_id,closed_at,escalated
A,Acme,billing,,2026-11-02T15:02:00Z,
B,"Birch, Ltd",billing,,2026-11-10T09:03:00Z,
"""
CONTACTS = (
    (
        "contact_id,case_id,customer_name,agent_name,team,category,started_at,"
        "talk_s,hold_s,acw_s,resolved,escalated\n"
    )
    + """c1,A,Acme,"Ann ""Pro"" Lee",north,billing,2026-11-02T15:00:00Z,120,0,,true,false
c2,B,"Birch, Ltd",Ben,south,billing,2026-11-10T09:00:00Z,180,0,,true,false
"""
)
SURVEYS = """survey_id,contact_id,customer_name,responded_at,csat,nps,ces
s1,c1,,2026-11-02T20:00:00Z,5,10,
s2,c2,,2026-11-10T20:00:00Z,3,6,
"""
TRACES = "(id) => document.getElementById(id).data.map((t) => [t.type, t.y])"


def _seed(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        files = (io.StringIO(text) for text in (CASES, CONTACTS, SURVEYS))
        import_csv(session, settings.kpi_config, *files)
        session.commit()
    engine.dispose()


def _show(page: Page, date_from: str = "", date_to: str = "") -> None:
    page.fill("input[name=from]", date_from)
    page.fill("input[name=to]", date_to)
    page.click("#dashboard-filters button[type=submit]")
    expect(page.locator("#dashboard-status")).to_have_attribute("data-state", "drawn")


def _download(page: Page, chart: str) -> list[list[str]]:
    with page.expect_download() as download:
        page.click(f"button[data-export=csv][data-chart={chart}]")
    text = download.value.path().read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_charts_speak_in_minutes_and_export_the_figures_they_show(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    _seed(settings)
    lead = make_token(settings, Role.LEAD, "Lee Lead")
    requests: list[Request] = []
    page = sign_in(browser, server, lead)
    page.on("request", lambda request: requests.append(request))
    page.goto(f"{server.url}/dashboard")
    expect(page.locator("#dashboard-status")).to_contain_text("Periods: 2 (per week)")

    resolution = page.locator("#chart-resolution.js-plotly-plot")
    expect(resolution.locator(".scatterlayer .trace")).to_have_count(2)
    expect(resolution.locator(".ytitle")).to_have_text("Minutes")
    assert page.evaluate(TRACES, "chart-resolution") == [
        ["scatter", [2, 3]],
        ["scatter", [2, 3]],
    ]
    expect(page.locator("#chart-resolution-table tbody tr").first).to_contain_text("2 minutes")
    expect(page.locator("#chart-fcr .ytick").last).to_have_text("100%")
    expect(page.locator("#chart-satisfaction .legendtext")).to_have_text(["CSAT", "NPS"])
    expect(page.locator("#chart-fcr .xtick").first).to_have_text("Week of Nov 2, 2026")

    assert _download(page, "resolution") == [
        ["Period", "Median (Minutes)", "90th percentile (Minutes)"],
        ["2026-11-02", "2", "2"],
        ["2026-11-09", "3", "3"],
    ]
    assert _download(page, "satisfaction")[1:] == [
        ["2026-11-02", "100", "100"],
        ["2026-11-09", "0", "-100"],
    ]
    agents = _download(page, "agents")
    assert agents[0][:4] == ["Agent", "Contacts", "FCR (%)", "Resolution time (median) (Minutes)"]
    assert sorted(row[0] for row in agents[1:]) == ['Ann "Pro" Lee', "Ben"]

    with page.expect_download() as image:
        page.click("button[data-export=png][data-chart=fcr]")
    assert image.value.suggested_filename == "callsight-fcr-week.png"
    assert image.value.path().read_bytes().startswith(b"\x89PNG")

    plotly = [r for r in requests if urlsplit(r.url).path == "/vendor/plotly.min.js"]
    assert len(plotly) == 1
    response = plotly[0].response()
    assert response is not None and response.status == 200
    assert "max-age=31536000" in response.headers["cache-control"]
    hosts = {urlsplit(r.url).hostname for r in requests if not r.url.startswith(("blob:", "data:"))}
    assert hosts == {urlsplit(server.url).hostname}

    shoot(browser, server, lead, "/dashboard", "dashboard-charts", DASHBOARD_DRAWN)


def test_a_single_period_is_a_labelled_bar_and_no_data_says_so(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    _seed(settings)
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee Lead"))
    page.goto(f"{server.url}/dashboard")
    _show(page, "2026-11-09", "2026-11-15")
    expect(page.locator("#dashboard-status")).to_contain_text("Periods: 1 (per week)")
    assert page.evaluate(TRACES, "chart-fcr") == [["bar", [1]]]
    expect(page.locator("#chart-fcr .bartext")).to_have_text("100%")
    expect(page.locator("#chart-resolution .bartext").first).to_have_text("3 minutes")
    expect(page.locator("#chart-satisfaction .bartext")).to_have_text(["0%", "-100"])
    expect(page.locator("#chart-fcr-empty")).to_be_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dashboard-single-period-desktop.png", full_page=True)

    _show(page, "2025-01-01", "2025-01-31")
    for chart in ("fcr", "resolution", "repeat", "satisfaction"):
        expect(page.locator(f"#chart-{chart}-empty")).to_have_text("No data for these filters.")
        expect(page.locator(f"#chart-{chart}")).to_be_hidden()
        expect(page.locator(f"button[data-export=csv][data-chart={chart}]")).to_be_disabled()


def test_the_charts_write_dates_and_numbers_in_the_page_language(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    _seed(settings)
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee Lead"))
    page.goto(f"{server.url}/language/ja?next=/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.select_option("select[name=period]", "month")
    _show(page)
    expect(page.locator("#chart-fcr .xtick")).to_have_text(["2026年11月"])
    expect(page.locator("#chart-resolution .bartext").first).to_contain_text("分")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "dashboard-ja-desktop.png", full_page=True)
