"""Driving the pages in Debian's Chromium through Playwright: signing in, screenshots."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from support.samples import REPO
from support.server import Server

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
DASHBOARD_DRAWN = "document.getElementById('dashboard-status').dataset.state === 'drawn'"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def sign_in(
    browser: Browser, server: Server, token: str, viewport: str = "desktop", locale: str = "en-US"
) -> Page:
    """A new page (whose browser speaks ``locale``) signed in with ``token``, on the calls list."""
    page = browser.new_page(viewport=VIEWPORTS[viewport], locale=locale)  # type: ignore[arg-type]
    page.goto(f"{server.url}/calls")
    expect(page).to_have_url(re.compile(r"/login\?next=/calls$"))
    page.fill("#api_key", token)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server.url}/calls")
    return page


def shoot(
    browser: Browser, server: Server, token: str, path: str, name: str, ready: str | None = None
) -> None:
    """Screenshots of one page at both sizes, once the script expression ``ready`` (if any) holds;
    fails if the page overflows the phone's width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size in VIEWPORTS:
        page = sign_in(browser, server, token, size)
        page.goto(f"{server.url}{path}")
        if ready:
            page.wait_for_function(ready)
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}.png", full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= VIEWPORTS[size]["width"], f"{name} overflows at {size}"
        page.close()
