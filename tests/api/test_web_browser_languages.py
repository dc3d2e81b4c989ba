"""The pages in Japanese in a real headless Chromium: the header's switch (at phone width),
remembered across pages, the scripts speaking the page's language, and a call's Japanese
content drawn with a Japanese font. Screenshots land in ``test-artifacts/screenshots/``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.db import make_engine
from agent.core.settings import Settings
from support.browser import SCREENSHOTS, VIEWPORTS, sign_in
from support.factories import SeedSummary, make_call, make_customer, said_in_turn
from support.keys import make_token
from support.server import Server

pytestmark = pytest.mark.slow

QUOTE = "明日までに見積書をお送りします。"


def _japanese_call(settings: Settings) -> str:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.REVIEW,
            language="ja",
            duration_s=12.0,
            customer=make_customer(session, name="山田商事"),
            transcript=said_in_turn([("agent", QUOTE), ("customer", "よろしくお願いします。")]),
            summary=SeedSummary(text="顧客は見積書を依頼し、担当者が明日送付すると約束した。"),
            action_items=1,
        )
        session.commit()
        call_id = call.id
    engine.dispose()
    return call_id


def _rendered_fonts(page: Page, selector: str) -> set[str]:
    """The fonts Chromium actually drew the element's text with (not what CSS asked for)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"] for font in fonts}


def test_a_phone_switches_to_japanese_and_the_choice_is_remembered(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    call_id = _japanese_call(settings)
    lead = make_token(settings, Role.LEAD, "Lee Lead")
    page = sign_in(browser, server, lead, "phone")
    switch = page.locator("header nav.languages a[hreflang=ja]")
    expect(switch).to_be_visible()
    expect(switch).to_have_text("日本語")
    switch.click()
    expect(page).to_have_url(f"{server.url}/calls")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("header nav").first).to_contain_text("通話")
    expect(page.locator("h1")).to_have_text("通話")

    page.goto(f"{server.url}/calls/{call_id}")  # remembered: no switch on this page needed
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator(".call-head .status")).to_have_text("レビュー")
    page.fill("#transcript-query", "見積書")
    expect(page.locator("#transcript-count")).to_have_text("1 / 1")
    page.fill("#transcript-query", "請求書")
    expect(page.locator("#transcript-count")).to_have_text("一致なし")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]

    page.locator("header nav.languages a[hreflang=en]").click()
    expect(page).to_have_url(f"{server.url}/calls/{call_id}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#action-items")).to_have_text("Action items")


def test_japanese_content_is_drawn_in_a_japanese_font_on_an_english_page(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    call_id = _japanese_call(settings)
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee Lead"))
    page.goto(f"{server.url}/calls/{call_id}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".summary-text")).to_have_attribute("lang", "ja")
    for selector in (".summary-text", "#transcript .text"):
        fonts = _rendered_fonts(page, selector)
        assert "Noto Sans CJK JP" in fonts, (selector, fonts)


def test_screenshots_of_the_pages_in_japanese(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    call_id = _japanese_call(settings)
    admin = make_token(settings, Role.ADMIN, "Ada Admin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {"calls": "/calls", "call": f"/calls/{call_id}", "admin": "/admin"}
    for size in VIEWPORTS:
        page = sign_in(browser, server, admin, size)
        for name, path in pages.items():
            page.goto(f"{server.url}/language/ja?next={path}")
            expect(page.locator("html")).to_have_attribute("lang", "ja")
            page.screenshot(path=SCREENSHOTS / f"{name}-ja-{size}.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= VIEWPORTS[size]["width"], f"{name} in Japanese overflows at {size}"
        page.close()
