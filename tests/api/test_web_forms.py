"""Every page form with blank and filled fields: blank means "any" (or "unset"); a wrong value
gets the page back with a message a person can read, never JSON."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import ActionItem, ApiKey, User
from support.audio import tone, write_wav
from support.factories import SeedSummary, make_agent, make_call, make_customer
from support.keys import make_token
from support.web import HTML, signed_in

CALL_FILTERS = {
    "q": "",
    "status": "done",
    "customer": "Acme",
    "agent": "Sam",
    "date_from": "2026-11-01",
    "date_to": "2026-11-30",
    "page": "1",
}


def _is_a_page(response_text: str) -> bool:
    return response_text.lstrip().startswith("<!doctype html>")


@pytest.fixture
def seeded_call(engine: Engine) -> tuple[str, str]:
    """A done call by Sam for Acme on 2026-11-18 with one action item: (call id, item id)."""
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.DONE,
            customer=make_customer(session, name="Acme"),
            agent=make_agent(session, name="Sam"),
            summary=SeedSummary(),
            action_items=1,
        )
        session.commit()
        return call.id, session.exec(select(ActionItem.id)).one()


def test_the_calls_filter_takes_any_mix_of_blank_and_filled_fields(
    client: TestClient, settings: Settings, seeded_call: tuple[str, str]
) -> None:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    call_id = seeded_call[0]
    names = list(CALL_FILTERS)
    for filled in itertools.product((False, True), repeat=len(names)):
        params = {n: CALL_FILTERS[n] if f else "" for n, f in zip(names, filled, strict=True)}
        page = client.get("/calls", params=params, headers=HTML)
        assert page.status_code == 200, (params, page.text[:300])
        assert call_id in page.text, params


def test_a_wrong_filter_value_gives_the_calls_page_back_with_a_message(
    client: TestClient, settings: Settings
) -> None:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    for name, value, words in [
        ("status", "bogus", "Status"),
        ("date_from", "yesterday", "From"),
        ("date_to", "2026-13-01", "To"),
        ("page", "x", "Page"),
        ("page", "0", "Page"),
    ]:
        page = client.get("/calls", params={name: value, "customer": "Kept"}, headers=HTML)
        assert page.status_code == 422, (name, value)
        assert _is_a_page(page.text), page.text[:200]
        assert 'class="error"' in page.text and words in page.text, (name, page.text)
        assert 'value="Kept"' in page.text  # what was typed stays in the form


def test_the_dashboard_report_reads_blank_filters_as_any(
    client: TestClient, settings: Settings, seeded_call: tuple[str, str]
) -> None:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    blank = {"group_by": "", "from": "", "to": "", "team": "", "agent": ""}
    answer = client.get("/dashboard/kpis", params=blank)
    assert answer.status_code == 200, answer.text
    assert answer.json()["group_by"] == "week"
    wrong = client.get("/dashboard/kpis", params={**blank, "agent": "Sam"})
    assert wrong.status_code == 422
    assert isinstance(wrong.json()["detail"], str) and "Agent" in wrong.json()["detail"]


def test_a_key_form_with_blank_fields_gives_the_admin_page_back_with_a_message(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    csrf = signed_in(client, make_token(settings, Role.ADMIN, "Ada"))
    for form, words in [
        ({"name": "", "role": "rep", "email": ""}, "Name"),
        ({"name": "  ", "role": "rep"}, "Name"),
        ({"name": "Nia", "role": ""}, "Role"),
        ({"name": "Nia", "role": "boss"}, "Role"),
        ({}, "Name"),
    ]:
        page = client.post("/admin/keys", data={**form, "csrf_token": csrf}, headers=HTML)
        assert page.status_code == 422, form
        assert _is_a_page(page.text) and words in page.text, (form, page.text[:300])
        assert "API keys" in page.text  # the admin page itself, with its forms
    created = client.post(
        "/admin/keys", data={"name": "Nia", "role": "rep", "email": "", "csrf_token": csrf}
    )
    assert created.status_code == 200
    with Session(engine) as session:
        key = session.exec(select(ApiKey).where(ApiKey.name == "Nia")).one()
        assert session.exec(select(User.email).where(User.id == key.user_id)).one() is None


def test_a_webhook_form_with_blank_fields_gives_the_admin_page_back_with_a_message(
    client: TestClient, settings: Settings
) -> None:
    csrf = signed_in(client, make_token(settings, Role.ADMIN, "Ada"))
    for form, words in [
        ({"url": "", "secret": ""}, "URL"),
        ({"url": "https://hooks.example.com/in", "secret": ""}, "event"),
        ({"url": "", "events": ["call.synced"]}, "URL"),
    ]:
        page = client.post("/admin/webhooks", data={**form, "csrf_token": csrf}, headers=HTML)
        assert page.status_code == 422, form
        assert _is_a_page(page.text) and words in page.text, (form, page.text[:300])
        assert "Webhook subscriptions" in page.text


def test_call_page_forms_take_blank_optional_fields_and_explain_blank_required_ones(
    client: TestClient, settings: Settings, seeded_call: tuple[str, str]
) -> None:
    call_id, item_id = seeded_call
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    item = f"/calls/{call_id}/items/{item_id}"
    kept = client.post(
        item,
        data={"description": "Call back", "owner": "agent", "due_date": "", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert kept.status_code == 303
    for form, words in [
        ({"description": "", "owner": "agent"}, "Description"),
        ({"description": "Call back", "owner": ""}, "Owner"),
        ({"description": "Call back", "owner": "agent", "due_date": "soon"}, "Due date"),
        ({}, "Description"),
    ]:
        page = client.post(item, data={**form, "csrf_token": csrf}, headers=HTML)
        assert page.status_code == 422, form
        assert _is_a_page(page.text) and words in page.text, (form, page.text[:300])
    for resolution in ("", "maybe"):
        page = client.post(
            f"/calls/{call_id}/resolution",
            data={"resolution": resolution, "csrf_token": csrf},
            headers=HTML,
        )
        assert page.status_code == 422
        assert _is_a_page(page.text) and "Resolution" in page.text


def test_an_upload_with_every_optional_field_blank_is_taken(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    blank = {"customer_name": "", "agent_name": "", "started_at": "", "channel_map": ""}
    for filled in ({}, {"customer_name": "Acme"}, {"started_at": "2026-11-18T10:00"}):
        with beep.open("rb") as audio:
            response = client.post(
                "/calls/upload",
                data={**blank, **filled},
                files={"file": ("beep.wav", audio)},
                headers={"X-CSRF-Token": csrf},
            )
        assert response.status_code == 201, (filled, response.text)


def test_signing_in_with_a_blank_key_gets_the_sign_in_page_back(client: TestClient) -> None:
    page = client.post("/login", data={"api_key": "", "next": ""}, headers=HTML)
    assert page.status_code == 401
    assert _is_a_page(page.text) and "That API key is not valid" in page.text


def test_the_api_docs_pages_load_their_assets_from_the_app(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert assets, path
        for asset in assets:
            assert asset.startswith("/"), (path, asset)
            assert client.get(asset).status_code == 200, asset
    assert "fonts.googleapis" not in client.get("/redoc").text
