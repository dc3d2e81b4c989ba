"""Fixtures for the browser tests: Debian's Chromium, and `callsight serve` to point it at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from agent.core.db import upgrade
from agent.core.settings import Settings
from support.server import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CALLSIGHT_REQUIRE_BROWSER") == "1":
            pytest.fail("CALLSIGHT_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Server, Settings]]:
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(settings.database_url)
    server = Server(settings, tmp_path / "server.log", {"CALLSIGHT_CRM_SYNC_MODE": "after_review"})
    server.start()
    yield server, settings
    server.stop()
