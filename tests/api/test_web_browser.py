"""The pages in a real headless Chromium, driven by Playwright, against `callsight serve`.

Screenshots of every page, at 1280 by 800 and on a 390-px-wide phone, land in
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from agent.auth.keys import Role
from agent.core.db import make_engine
from agent.core.settings import Settings
from agent.core.tables import Summary, TranscriptSegment
from support.audio import tone, write_wav
from support.browser import DASHBOARD_DRAWN, VIEWPORTS, shoot, sign_in
from support.keys import make_token
from support.polling import wait_for
from support.samples import SAMPLE_CALL
from support.server import Server

pytestmark = pytest.mark.slow

JAPANESE = "明日までに見積書をお送りします。ご確認ください。"
XSS = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'
MODEL_INPUT = "\n".join(
    f'{{"t":{n}.0,"speaker":"customer","text":"{XSS} [PHONE] {JAPANESE * 3}"}}' for n in range(3)
)


def test_a_lead_uploads_reviews_edits_and_approves_a_call(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    lead = make_token(settings, Role.LEAD, "Lee Lead")
    page = sign_in(browser, server, lead)
    page.fill("input[name=customer_name]", "Emma Brown")
    page.fill("input[name=agent_name]", "Sam")
    page.set_input_files("#upload-file", SAMPLE_CALL)
    expect(page).to_have_url(re.compile(r"/calls/[0-9a-f]{32}$"), timeout=30_000)
    call_url = page.url
    expect(page.locator(".call-head .status")).to_have_text("review", timeout=180_000)
    expect(page.locator("#transcript .speaker-agent").first).to_contain_text("Northwind")
    expect(page.locator(".crm-status")).to_have_text("awaiting review")
    _search_finds_every_line_with(page, "Router")

    third_line = page.locator("#transcript .line").nth(2)
    start = float(third_line.get_attribute("data-start") or "nan")
    third_line.click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.0"
    )
    expect(third_line).to_have_class(re.compile(r"\bcurrent\b"))

    first_item = page.locator("form.action-item-edit").first
    first_item.locator("textarea[name=description]").fill("Ship a new power adapter")
    first_item.locator("input[name=due_date]").fill("2026-12-01")
    first_item.locator("button[type=submit]").click()
    expect(page.locator("form.action-item-edit textarea").first).to_have_value(
        "Ship a new power adapter"
    )

    page.click("text=Approve and sync to CRM")
    expect(page.locator(".call-head .status")).to_have_text("done", timeout=60_000)
    expect(page.locator(".crm-status")).to_have_text("synced")
    expect(page.locator("text=approved by Lee Lead")).to_be_visible()
    crm_ids = page.locator(".crm-records td[data-label='CRM id']").all_inner_texts()
    items = page.locator("form.action-item-edit").count()
    assert len(crm_ids) == 1 + items and all(i.startswith("local-") for i in crm_ids)

    call_id = call_url.rsplit("/", 1)[1]
    api = httpx.get(
        f"{server.url}/api/v1/calls/{call_id}", headers={"Authorization": f"Bearer {lead}"}
    ).json()
    edited = api["action_items"][0]
    assert edited["description"] == "Ship a new power adapter"
    assert edited["due_date"] == "2026-12-01"

    page.click(".call-head a:has-text('Emma Brown')")
    expect(page).to_have_url(re.compile(r"/customers/\d+$"))
    expect(page.locator("h1")).to_have_text("Emma Brown")
    expect(page.locator("#timeline a[href^='/calls/']")).to_have_count(1)
    contacts_tile = page.locator("#customer-kpis .kpi").first
    expect(contacts_tile).to_contain_text("1")
    expect(contacts_tile).to_contain_text("Contacts")
    customer_path = page.url.removeprefix(server.url)

    page.click("text=Dashboard")
    expect(page.locator("#agent-table tbody tr")).to_have_count(1)
    expect(page.locator("#agent-table tbody tr td").first).to_have_text("Sam")
    expect(page.locator("#dashboard-status")).to_have_attribute("data-state", "drawn")
    assert page.evaluate("document.getElementById('chart-fcr').data[0].type") == "bar"
    expect(page.locator("#kpi-totals .kpi").first).to_contain_text("1")

    admin = make_token(settings, Role.ADMIN, "Ada Admin")
    for path, name in [
        ("/calls", "calls"),
        (f"/calls/{call_id}", "call-review"),
        (customer_path, "customer"),
        ("/admin", "admin"),
        ("/dashboard", "dashboard"),
    ]:
        shoot(browser, server, admin, path, name, DASHBOARD_DRAWN if name == "dashboard" else None)


def _search_finds_every_line_with(page: Page, word: str) -> None:
    """The transcript search counts the lines that say ``word`` and walks them by keyboard."""
    texts = page.locator("#transcript .line .text").all_inner_texts()
    saying = [n for n, text in enumerate(texts) if word.lower() in text.lower()]
    assert len(saying) >= 2, f"the sample call says {word} on fewer than two lines"
    search = page.locator("#transcript-query")
    search.fill(f" {word.upper()} ")
    count = page.locator("#transcript-count")
    expect(count).to_have_text(f"1 of {len(saying)}")
    expect(page.locator("#transcript .line.found")).to_have_count(len(saying))
    current = page.locator("#transcript .line.found-current")
    expect(current).to_have_count(1)
    expect(current.locator("mark").first).to_have_text(re.compile(word, re.I))
    search.press("Enter")
    expect(count).to_have_text(f"2 of {len(saying)}")
    search.press("Shift+Enter")
    expect(count).to_have_text(f"1 of {len(saying)}")
    page.locator("#transcript-prev").click()
    expect(count).to_have_text(f"{len(saying)} of {len(saying)}")
    expect(page.locator("#transcript .line").nth(saying[-1])).to_have_class(
        re.compile(r"\bfound-current\b")
    )
    search.fill("zzz-no-such-word")
    expect(count).to_have_text("No matches")
    expect(page.locator("#transcript .line.found")).to_have_count(0)
    search.press("Escape")
    expect(search).to_have_value("")
    expect(count).to_have_text("")


def test_transcript_text_is_never_run_as_markup(
    browser: Browser, site: tuple[Server, Settings], tmp_path: Path
) -> None:
    server, settings = site
    admin = make_token(settings, Role.ADMIN, "Ada")
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    headers = {"Authorization": f"Bearer {admin}"}
    with beep.open("rb") as audio:
        call_id = httpx.post(
            f"{server.url}/api/v1/calls",
            headers=headers,
            files={"file": ("beep.wav", audio)},
            data={"customer_name": XSS},
        ).json()["id"]
    _wait_done(server, headers, call_id)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        session.add(
            TranscriptSegment(
                call_id=call_id, position=0, start_s=0, end_s=0.5, speaker="customer", text=XSS
            )
        )
        session.add(
            TranscriptSegment(
                call_id=call_id, position=1, start_s=0.2, end_s=0.5, speaker="agent", text=JAPANESE
            )
        )
        summary = session.exec(select(Summary).where(Summary.call_id == call_id)).one()
        summary.llm_input = MODEL_INPUT  # what a model saw is untrusted text too
        session.add(summary)
        session.commit()
        assert session.exec(select(col(TranscriptSegment.id))).first() is not None
    engine.dispose()
    page = sign_in(browser, server, admin)
    expect(page.locator("table.calls")).to_contain_text("<script>")
    page.goto(f"{server.url}/calls/{call_id}")
    expect(page.locator("#transcript .text").first).to_have_text(XSS)
    expect(page.locator("#transcript .text").nth(1)).to_have_text(JAPANESE)
    page.fill("#transcript-query", "見積書")
    expect(page.locator("#transcript-count")).to_have_text("1 of 1")
    expect(page.locator("#transcript .line.found-current .text mark")).to_have_text("見積書")
    page.fill("#transcript-query", "<script>")
    expect(page.locator("#transcript-count")).to_have_text("1 of 1")
    expect(page.locator("#transcript .line.found-current .text")).to_have_text(XSS)
    assert page.evaluate("window.__xss === undefined")
    shoot(browser, server, admin, f"/calls/{call_id}", "call-untrusted-and-japanese")
    phone = sign_in(browser, server, admin, "phone")
    phone.goto(f"{server.url}/calls/{call_id}")
    phone.click(".model-input summary")
    expect(phone.locator(".model-input pre")).to_have_text(MODEL_INPUT)
    assert phone.evaluate("window.__xss === undefined")
    assert phone.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]


def _wait_done(server: Server, headers: dict[str, str], call_id: str) -> None:
    wait_for(
        lambda: (
            httpx.get(f"{server.url}/api/v1/calls/{call_id}", headers=headers).json()["status"]
            in {"review", "done"}
        ),
        timeout=60,
    )


def test_a_rep_cannot_see_or_approve_another_reps_call(
    browser: Browser, site: tuple[Server, Settings], tmp_path: Path
) -> None:
    server, settings = site
    rita = make_token(settings, Role.REP, "Rita", "rita@example.com")
    rob = make_token(settings, Role.REP, "Rob", "rob@example.com")
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    ids = {}
    for name, token in [("rita", rita), ("rob", rob)]:
        headers = {"Authorization": f"Bearer {token}"}
        with beep.open("rb") as audio:
            ids[name] = httpx.post(
                f"{server.url}/api/v1/calls", headers=headers, files={"file": ("b.wav", audio)}
            ).json()["id"]
        _wait_done(server, headers, ids[name])

    page = sign_in(browser, server, rita)
    expect(page.locator(f"tr[data-call-id='{ids['rita']}']")).to_have_count(1)
    expect(page.locator(f"tr[data-call-id='{ids['rob']}']")).to_have_count(0)
    for path in (f"/calls/{ids['rob']}", f"/calls/{ids['rob']}/audio"):
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == 404
    page.goto(f"{server.url}/calls/{ids['rita']}")
    expect(page.locator("text=Approve and sync to CRM")).to_have_count(0)
    expect(page.locator("nav >> text=Dashboard")).to_have_count(0)
    response = page.goto(f"{server.url}/dashboard")
    assert response is not None and response.status == 403
    page.goto(f"{server.url}/calls/{ids['rita']}")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    for call_id in (ids["rita"], ids["rob"]):
        refused = page.request.post(
            f"{server.url}/calls/{call_id}/approve", form={"csrf_token": csrf}, max_redirects=0
        )
        assert refused.status in {403, 404}
    shoot(browser, server, rita, "/login", "sign-in")


DROP_FILE = """([name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type: "audio/wav" }));
  const zone = document.getElementById("upload-form");
  const drop = { dataTransfer: data, bubbles: true, cancelable: true };
  zone.dispatchEvent(new DragEvent("drop", drop));
}"""
WATCH_PROGRESS = """() => {
  const bar = document.getElementById("upload-progress");
  new MutationObserver(() => sessionStorage.setItem("progress", bar.value))
    .observe(bar, { attributes: true });
}"""


def test_a_recording_dropped_on_the_page_uploads_with_progress(
    browser: Browser, site: tuple[Server, Settings], tmp_path: Path
) -> None:
    server, settings = site
    page = sign_in(browser, server, make_token(settings, Role.REP, "Rita", "rita@example.com"))
    notes = base64.b64encode(b"these are my notes, not a call").decode()
    page.evaluate(DROP_FILE, ["notes.wav", notes])
    expect(page.locator("#upload-message")).to_contain_text("not an audio recording")
    expect(page).to_have_url(f"{server.url}/calls")

    beep = write_wav(tmp_path / "beep.wav", [tone(3.0)]).read_bytes()
    page.evaluate(WATCH_PROGRESS)
    page.evaluate(DROP_FILE, ["dropped.wav", base64.b64encode(beep).decode()])
    expect(page).to_have_url(re.compile(r"/calls/[0-9a-f]{32}$"))
    expect(page.locator("h1")).to_have_text("Unknown customer")
    expect(page.locator(".call-head .filename")).to_have_text("dropped.wav")
    assert page.evaluate("sessionStorage.getItem('progress')") == "100"
    expect(page.locator(".call-head .status")).to_have_text("review", timeout=60_000)
