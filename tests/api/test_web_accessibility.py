"""Every page, in English and in Japanese, at desktop and phone width: axe-core finds no serious
or critical violation, nothing overflows the phone's width, and a screenshot of each is kept in
``test-artifacts/screenshots/`` (named page-language-size)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.db import make_engine
from agent.core.settings import Settings
from support.accessibility import blocking_violations
from support.browser import SCREENSHOTS, VIEWPORTS, sign_in
from support.customers import seed_customers
from support.factories import SeedSummary, make_agent, make_call, make_customer, said_in_turn
from support.keys import make_token
from support.server import Server

pytestmark = pytest.mark.slow

# The browser's own language (so Accept-Language chooses the page's, and date inputs follow it).
LANGUAGES = {"en": "en-US", "ja": "ja-JP"}


def _seed(settings: Settings) -> dict[str, str]:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        sam = make_agent(session, name="Sam Lee", team="Support")
        english = make_call(
            session,
            status=CallStatus.REVIEW,
            customer=make_customer(session, name="Emma Brown"),
            agent=sam,
            duration_s=42.0,
            transcript=said_in_turn(
                [
                    ("agent", "Thanks for calling Northwind, this is Sam."),
                    ("customer", "My router keeps dropping every evening."),
                    ("agent", "I pushed a firmware update; please restart it tonight."),
                ]
            ),
            summary=SeedSummary(text="Router drops fixed by a firmware update."),
            action_items=2,
        )
        japanese = make_call(
            session,
            status=CallStatus.DONE,
            language="ja",
            started_at=dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC),
            customer=make_customer(session, name="山田 花子"),
            agent=sam,
            duration_s=28.0,
            transcript=said_in_turn(
                [
                    ("customer", "請求書の金額が先月と違います。"),
                    ("agent", "確認して明日までにご連絡いたします。"),
                ]
            ),
            summary=SeedSummary(text="請求金額の相違を確認し、明日までに連絡する。"),
            action_items=1,
        )
        chat = make_call(
            session,
            status=CallStatus.DONE,
            customer=make_customer(session, name="Emma Brown"),
            agent=sam,
            duration_s=300.0,
            transcript=said_in_turn(
                [("customer", "Is my refund on its way?"), ("agent", "Yes, it left today.")],
                every_s=120.0,
            ),
            summary=SeedSummary(text="Refund confirmed as sent."),
        )
        chat.channel = "chat"
        session.commit()
        ids = {
            "call-en": english.id,
            "chat": chat.id,
            "call-ja": japanese.id,
            "customer": str(english.customer_id),
            "customer-health": str(seed_customers(session)["Acme"]),
        }
    engine.dispose()
    return ids


def _pages(ids: dict[str, str]) -> dict[str, str]:
    return {
        "calls": "/calls",
        "call-en": f"/calls/{ids['call-en']}",
        "call-ja": f"/calls/{ids['call-ja']}",
        "chat": f"/calls/{ids['chat']}",
        "customers": "/customers",
        "customers-at-risk": "/customers?health=at_risk&sort=trend",
        "customer": f"/customers/{ids['customer']}",
        "customer-health": f"/customers/{ids['customer-health']}",
        "dashboard": "/dashboard",
        "admin": "/admin",
        "not-found": "/calls/0123456789abcdef0123456789abcdef",
    }


def test_every_page_passes_axe_in_both_languages_at_both_sizes(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    pages = _pages(_seed(settings))
    admin = make_token(settings, Role.ADMIN, "Ada Admin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for size in VIEWPORTS:
        for language, locale in LANGUAGES.items():
            viewport = VIEWPORTS[size]
            signed_out = browser.new_page(viewport=viewport, locale=locale)  # type: ignore[arg-type]
            signed_out.goto(f"{server.url}/login")
            problems |= _check(signed_out, "sign-in", language, size)
            signed_out.close()
            page = sign_in(browser, server, admin, size, locale)
            for name, path in pages.items():
                page.goto(f"{server.url}{path}")
                page.wait_for_load_state("networkidle")
                assert page.locator("html").get_attribute("lang") == language
                problems |= _check(page, name, language, size)
            page.close()
    failing = [f"{key}: {problem}" for key, found in problems.items() for problem in found]
    assert not failing, "\n".join(failing)


def _check(page: Page, name: str, language: str, size: str) -> dict[str, list[str]]:
    key = f"{name}-{language}-{size}"
    page.screenshot(path=SCREENSHOTS / f"{key}.png", full_page=True)
    found = blocking_violations(page)
    if page.evaluate("document.documentElement.scrollWidth") > VIEWPORTS[size]["width"]:
        found.append("the page is wider than the screen")
    return {key: found}
