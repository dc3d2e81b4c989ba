"""axe-core (the copy axe-playwright-python ships) run on a page: the serious and critical
violations, written so a failing test says what and where."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING_IMPACTS = {"serious", "critical"}
_AXE = Axe()


def blocking_violations(page: Page) -> list[str]:
    results = _AXE.run(page, options={"resultTypes": ["violations"]})
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]
