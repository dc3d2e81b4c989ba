"""The customers pages in Chromium: sorting, filtering, opening a customer; screenshots of both
pages at desktop and phone widths land in ``test-artifacts/screenshots/``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.db import make_engine
from agent.core.settings import Settings
from support.browser import shoot, sign_in
from support.customers import REPS, seed_customers
from support.keys import make_token
from support.server import Server

pytestmark = pytest.mark.slow


def seeded(settings: Settings) -> dict[str, int]:
    for name, email in REPS.items():
        make_token(settings, Role.REP, name, email)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        ids = seed_customers(session)
    engine.dispose()
    return ids


def listed(page: Page) -> list[str]:
    return page.locator("#customer-rows td[data-label='Customer'] a").all_inner_texts()


def test_a_lead_sorts_filters_and_opens_a_customer(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    ids = seeded(settings)
    lead = make_token(settings, Role.LEAD, "Lee Lead")
    page = sign_in(browser, server, lead)
    page.click("nav >> text=Customers")
    expect(page).to_have_url(f"{server.url}/customers")
    assert listed(page) == ["Dune", "Acme", "Birch", "Cedar", "Zephyr"]
    expect(page.locator("#customer-rows svg.sparkline").first).to_have_attribute(
        "aria-label", re.compile(r"Health score every 15 days, oldest first: .*7$")
    )

    page.click("th >> text=Customer")
    expect(page).to_have_url(re.compile(r"sort=name"))
    assert listed(page) == ["Acme", "Birch", "Cedar", "Dune", "Zephyr"]
    expect(page.locator("select[name=sort]")).to_have_value("name")

    page.fill("input[name=name]", "e")
    page.select_option("select[name=segment]", "SMB")
    page.click("#customer-filters button[type=submit]")
    expect(page.locator("#list-summary")).to_contain_text("2 customers")
    assert listed(page) == ["Cedar", "Dune"]
    page.select_option("select[name=health]", "at_risk")
    page.click("#customer-filters button[type=submit]")
    assert listed(page) == ["Dune"]

    page.fill("input[name=name]", "")
    page.select_option("select[name=segment]", "")
    page.select_option("select[name=health]", "")
    page.click("#customer-filters button[type=submit]")
    expect(page.locator("#list-summary")).to_contain_text("5 customers")

    page.click("#customer-rows >> text=Acme")
    expect(page).to_have_url(f"{server.url}/customers/{ids['Acme']}")
    expect(page.locator("h1")).to_have_text("Acme")
    expect(page.locator("#components th").first).to_have_text("Contact frequency")
    expect(page.locator("#timeline li")).to_have_count(6)
    page.locator("#timeline .timeline-call a").first.click()
    expect(page).to_have_url(re.compile(r"/calls/[0-9a-f]{32}$"))
    page.close()

    shoot(browser, server, lead, "/customers", "customers")
    shoot(browser, server, lead, f"/customers/{ids['Acme']}", "customer")
