"""The call page in Chromium: a lead names the speakers, downloads the transcript and gives an
action item to a person picked from the owner list."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
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


def seed_call(settings: Settings) -> str:
    """Dana Kim's call with Sam Lee in review, its speakers split backwards."""
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.REVIEW,
            duration_s=8.0,
            customer=make_customer(session, name="Dana Kim"),
            agent=make_agent(session, name="Sam Lee"),
            transcript=said_in_turn(
                [("agent", "My router is down."), ("customer", "Thanks for calling Acme.")]
            ),
            summary=SeedSummary(),
        )
        make_agent(session, name="Pat Jones", email="pat@example.com")
        session.commit()
        call_id = call.id
    engine.dispose()
    return call_id


def test_a_lead_names_and_swaps_the_speakers_then_downloads_each_format(
    browser: Browser, site: tuple[Server, Settings], tmp_path: Path
) -> None:
    server, settings = site
    call_id = seed_call(settings)
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee"))
    page.goto(f"{server.url}/calls/{call_id}")
    lines = page.locator("#transcript .speaker")
    expect(lines.first).to_have_text("agent")

    form = page.locator("form.speaker-names")
    page.locator("details.speaker-names > summary").click()
    form.locator("input[name=name]").nth(0).fill("Dana Kim")
    form.locator("select[name=role]").nth(0).select_option("customer")
    form.locator("input[name=name]").nth(1).fill("Sam Lee")
    form.locator("select[name=role]").nth(1).select_option("agent")
    form.locator("button[type=submit]").click()
    expect(lines.first).to_have_text("Dana Kim (customer)")
    expect(lines.nth(1)).to_have_text("Sam Lee (agent)")

    links = page.locator(".transcript-downloads a")
    expect(links).to_have_count(4)
    with page.expect_download() as downloading:
        links.filter(has_text="SRT").click()
    download = downloading.value
    assert download.suggested_filename == "Dana-Kim-2026-11-18-1000-transcript.srt"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert "Dana Kim (customer): My router is down." in saved.read_text(encoding="utf-8")


def test_a_lead_gives_an_action_item_to_someone_picked_from_the_list(
    browser: Browser, site: tuple[Server, Settings]
) -> None:
    server, settings = site
    call_id = seed_call(settings)
    page = sign_in(browser, server, make_token(settings, Role.LEAD, "Lee"))
    page.goto(f"{server.url}/calls/{call_id}")
    options = page.locator("datalist#owner-choices option")
    expect(options.first).to_have_attribute("value", "Sam Lee (agent)")
    offered = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert offered[1] == "Dana Kim (customer)"
    assert "Pat Jones" in offered[2:] and "Lee" in offered[2:]  # known users, by name
    assert sum("Sam Lee" in choice for choice in offered if choice) == 1
    new = page.locator("form.action-item-new")
    owner = new.locator("input[name=owner]")
    expect(owner).to_have_value("Sam Lee (agent)")
    assert owner.get_attribute("list") == "owner-choices"
    new.locator("textarea[name=description]").fill("Send the new router")
    owner.fill("Dana Kim (customer)")
    new.locator("button[type=submit]").click()
    items = page.locator("div.action-item")
    expect(items).to_have_count(1)
    expect(items.first.locator("input[name=owner]")).to_have_value("Dana Kim (customer)")

    owner = items.first.locator("input[name=owner]")
    owner.fill("")
    items.first.locator("form.action-item-edit button[type=submit]").click()
    # The browser keeps a blank required owner from being sent; the field says why.
    assert owner.evaluate("field => field.validity.valueMissing")
