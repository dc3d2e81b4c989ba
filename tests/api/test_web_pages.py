"""The pages' sign-in, CSRF protection, roles and edits, without a browser."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.auth.keys import Role
from agent.core.call_states import RESTING_STATUSES, CallStatus
from agent.core.settings import Settings
from agent.core.tables import (
    ActionItem,
    ApiKey,
    Call,
    CrmOutbox,
    Summary,
    TranscriptSegment,
    WebhookSubscription,
)
from integrations.local_crm import LocalCrmRecord
from support.audio import tone, write_wav
from support.factories import SeedSummary, make_agent, make_call
from support.keys import make_token
from support.polling import wait_for
from support.samples import REPO
from support.web import HTML, signed_in
from support.world import seed_world


def test_pages_send_strangers_to_sign_in(client: TestClient) -> None:
    response = client.get("/calls/abc", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/calls/abc"
    assert client.get("/calls/abc/state", headers={"Accept": "application/json"}).status_code == 401


def test_a_wrong_key_is_refused_with_a_message(client: TestClient) -> None:
    response = client.post("/login", data={"api_key": "cs_nope_nope"}, headers=HTML)
    assert response.status_code == 401
    assert "That API key is not valid" in response.text
    assert "callsight_session" not in response.cookies


def test_the_session_cookie_is_http_only_and_same_site(
    client: TestClient, settings: Settings
) -> None:
    token = make_token(settings, Role.LEAD, "Lee")
    response = client.post("/login", data={"api_key": token}, headers=HTML, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert token not in cookie


def test_sign_in_never_redirects_off_site(client: TestClient, settings: Settings) -> None:
    token = make_token(settings, Role.LEAD, "Lee")
    for target in ("//evil.example/x", "https://evil.example/"):
        response = client.post(
            "/login", data={"api_key": token, "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/calls"


def test_forms_without_the_csrf_token_change_nothing(
    client: TestClient, settings: Settings
) -> None:
    admin = make_token(settings, Role.ADMIN, "Ada")
    csrf = signed_in(client, admin)
    forged = client.post("/admin/keys", data={"name": "Mallory", "role": "admin"}, headers=HTML)
    assert forged.status_code == 403
    assert "the form expired" in forged.text
    wrong = client.post(
        "/admin/keys", data={"name": "M", "role": "admin", "csrf_token": "x"}, headers=HTML
    )
    assert wrong.status_code == 403
    assert "Mallory" not in client.get("/admin", headers=HTML).text
    created = client.post(
        "/admin/keys", data={"name": "Rita", "role": "rep", "csrf_token": csrf}, headers=HTML
    )
    assert created.status_code == 200
    assert re.search(r"cs_[0-9a-f]{8}_\S+", created.text)
    upload = client.post("/calls/upload", files={"file": ("a.wav", b"RIFF")})
    assert upload.status_code == 403


def test_only_admins_manage_keys_and_a_revoked_key_ends_its_sessions(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    lead_token = make_token(settings, Role.LEAD, "Lee")
    signed_in(client, lead_token)
    refused = client.get("/admin", headers=HTML)
    assert refused.status_code == 403 and "this needs the admin role" in refused.text
    admin = TestClient(client.app)
    csrf = signed_in(admin, make_token(settings, Role.ADMIN, "Ada"))
    with Session(engine) as session:
        lead_key_id = session.exec(select(ApiKey.id).where(ApiKey.name == "Lee")).one()
    admin.post(f"/admin/keys/{lead_key_id}/revoke", data={"csrf_token": csrf})
    assert "revoked" in admin.get("/admin", headers=HTML).text
    after = client.get("/calls", headers=HTML, follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_signing_out_ends_the_session(client: TestClient, settings: Settings) -> None:
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    response = client.get("/calls", headers=HTML, follow_redirects=False)
    assert response.status_code == 303


def test_pages_tell_their_script_where_a_call_rests_as_the_state_machine_says(
    client: TestClient, settings: Settings
) -> None:
    signed_in(client, make_token(settings, Role.REP, "Ria"))
    page = client.get("/calls", headers=HTML).text
    match = re.search(r'name="resting-statuses" content="([^"]*)"', page)
    assert match is not None
    assert set(match.group(1).split()) == RESTING_STATUSES
    assert "unmatched" in match.group(1).split()  # a held call stops being polled too


def _upload_beep(client: TestClient, csrf: str, tmp_path: Path) -> dict[str, Any]:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    with beep.open("rb") as audio:
        response = client.post(
            "/calls/upload", files={"file": ("beep.wav", audio)}, headers={"X-CSRF-Token": csrf}
        )
    assert response.status_code == 201, response.text
    call: dict[str, Any] = response.json()
    wait_for(lambda: client.get(f"/calls/{call['id']}/state").json()["status"] == "done")
    return call


@pytest.fixture
def lead_client(client: TestClient, settings: Settings) -> tuple[TestClient, str]:
    return client, signed_in(client, make_token(settings, Role.LEAD, "Lee"))


def test_a_bad_upload_from_the_page_gets_the_api_message(
    lead_client: tuple[TestClient, str],
) -> None:
    client, csrf = lead_client
    response = client.post(
        "/calls/upload", files={"file": ("a.wav", b"hello")}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 415
    assert "not an audio recording" in response.json()["detail"]


def test_editing_a_synced_call_updates_the_crm_records_in_place(
    lead_client: tuple[TestClient, str], engine: Engine, tmp_path: Path
) -> None:
    client, csrf = lead_client
    call = _upload_beep(client, csrf, tmp_path)
    with Session(engine) as session:
        before = {r.external_id: r.fields for r in session.exec(select(LocalCrmRecord))}
    response = client.post(
        f"/calls/{call['id']}/resolution",
        data={"resolution": "escalated", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    wait_for(lambda: client.get(f"/calls/{call['id']}/state").json()["status"] == "done")
    with Session(engine) as session:
        after = {r.external_id: r.fields for r in session.exec(select(LocalCrmRecord))}
    assert after.keys() == before.keys()
    (external_id,) = after
    assert "Resolution: escalated" in str(after[external_id]["Description"])
    bad = client.post(
        f"/calls/{call['id']}/resolution", data={"resolution": "maybe", "csrf_token": csrf}
    )
    assert bad.status_code == 422
    missing = client.post(
        f"/calls/{call['id']}/items/nope",
        data={"description": "x", "owner": "agent", "csrf_token": csrf},
        headers=HTML,
    )
    assert missing.status_code == 409
    assert "no action item" in missing.text


def test_transcript_search_finds_words_and_treats_wildcards_literally(
    lead_client: tuple[TestClient, str], engine: Engine, tmp_path: Path
) -> None:
    client, csrf = lead_client
    call = _upload_beep(client, csrf, tmp_path)
    with Session(engine) as session:
        session.add(
            TranscriptSegment(
                call_id=call["id"],
                position=0,
                start_s=0,
                end_s=1,
                speaker="customer",
                text="My Router shows 100% packet loss",
            )
        )
        session.commit()
    for query, hits in [("router", 1), ("100%", 1), ("1_0", 0), ("%", 1), ("modem", 0)]:
        page = client.get("/calls", params={"q": query}, headers=HTML).text
        assert (call["id"] in page) == bool(hits), query


def test_admins_manage_webhook_subscriptions_from_the_page(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    csrf = signed_in(client, make_token(settings, Role.ADMIN, "Ada"))
    form = {"csrf_token": csrf, "url": "https://hooks.example.com/in", "events": ["call.synced"]}
    created = client.post("/admin/webhooks", data=form, headers=HTML)
    assert created.status_code == 200
    secret = re.search(r'<code class="token">([^<]+)</code>', created.text)
    assert secret and len(secret.group(1)) >= 16
    with Session(engine) as session:
        row = session.exec(select(WebhookSubscription)).one()
    assert row.events == ["call.synced"] and row.secret == secret.group(1)
    assert "https://hooks.example.com/in" in client.get("/admin", headers=HTML).text

    bad_url = client.post("/admin/webhooks", data={**form, "url": "ftp://x"}, headers=HTML)
    assert bad_url.status_code == 422
    no_events = client.post(
        "/admin/webhooks", data={"csrf_token": csrf, "url": "https://a.example"}, headers=HTML
    )
    assert no_events.status_code == 422
    unknown = client.post("/admin/webhooks", data={**form, "events": ["call.exploded"]})
    assert unknown.status_code == 422 and "unknown event" in unknown.text
    private = client.post("/admin/webhooks", data={**form, "url": "http://10.0.0.7/hook"})
    assert private.status_code == 422 and "non-public address" in private.text

    client.post(f"/admin/webhooks/{row.id}/stop", data={"csrf_token": csrf})
    assert "No subscriptions." in client.get("/admin", headers=HTML).text
    lead = TestClient(client.app)
    lead_csrf = signed_in(lead, make_token(settings, Role.LEAD, "Lee"))
    refused = lead.post("/admin/webhooks", data={**form, "csrf_token": lead_csrf}, headers=HTML)
    assert refused.status_code == 403


def test_a_rep_cannot_change_a_call_through_the_forms_the_api_keeps_for_leads(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.DONE,
            agent=make_agent(session, name="Ria"),
            summary=SeedSummary(resolution="resolved"),
            action_items=1,
        )
        session.commit()
        call_id, item_id = call.id, session.exec(select(ActionItem.id)).one()
    csrf = signed_in(client, make_token(settings, Role.REP, "Ria"))
    assert '<button type="submit">Save</button>' not in client.get(f"/calls/{call_id}").text
    forms = {
        f"/calls/{call_id}/resolution": {"resolution": "escalated"},
        f"/calls/{call_id}/items/{item_id}": {"description": "Changed", "owner": "customer"},
        f"/calls/{call_id}/approve": {},
    }
    for path, fields in forms.items():
        refused = client.post(path, data={**fields, "csrf_token": csrf}, headers=HTML)
        assert refused.status_code == 403, (path, refused.text)
        assert "this needs the lead or admin role" in refused.text
    with Session(engine) as session:
        assert session.exec(select(Summary.resolution)).one() == "resolved"
        assert session.exec(select(ActionItem.description)).one().startswith("Follow-up 0")
        assert session.exec(select(Call.status)).one() == CallStatus.DONE
        assert session.exec(select(func.count()).select_from(CrmOutbox)).one() == 0


def test_the_calls_page_reads_its_dates_as_iso_only(client: TestClient, settings: Settings) -> None:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    for far in ("9999-12-31", "0001-01-01"):
        for name in ("date_from", "date_to"):
            page = client.get("/calls", params={name: far}, headers=HTML)
            assert page.status_code == 200, (name, far)
    number = client.get("/calls", params={"date_to": "0"}, headers=HTML)
    assert number.status_code == 422 and "ISO 8601" in number.text


def test_the_upload_form_takes_the_deal_a_sales_call_is_about(
    lead_client: tuple[TestClient, str], engine: Engine, tmp_path: Path
) -> None:
    client, csrf = lead_client
    page = client.get("/calls")
    assert 'name="crm_opportunity_id"' in page.text
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    with beep.open("rb") as audio:
        response = client.post(
            "/calls/upload",
            files={"file": ("beep.wav", audio)},
            data={"crm_opportunity_id": "006000000000001AAA"},
            headers={"X-CSRF-Token": csrf},
        )
    assert response.status_code == 201, response.text
    with Session(engine) as session:
        call = session.get_one(Call, response.json()["id"])
    assert call.crm_opportunity_id == "006000000000001AAA"


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "the page has no <title>"
    return html.unescape(match.group(1).strip())


def test_every_page_has_its_own_title_and_the_favicon(
    client: TestClient, settings: Settings
) -> None:
    world = seed_world(settings)
    assert _title(client.get("/login", headers=HTML).text) == "Sign in · Callsight"
    signed_in(client, world.tokens["admin"])
    pages = {
        "/calls": "Calls · Callsight",
        # the seeded call time (support.factories.STARTED_AT) as English writes it, in UTC
        f"/calls/{world.call_id}": "Call with Acme, Nov 18, 2026, 10:00\u202fAM · Callsight",
        f"/customers/{world.customer_id}": "Acme · Callsight",
        "/dashboard": "Dashboard · Callsight",
        "/admin": "Admin · Callsight",
        "/calls/0123456789abcdef0123456789abcdef": "Not found · Callsight",
    }
    for path, expected in pages.items():
        page = client.get(path, headers=HTML).text
        assert _title(page) == expected, path
        icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
        assert icon, f"{path} links no favicon"
    favicon = client.get(icon.group(1))
    assert favicon.status_code == 200
    assert favicon.headers["content-type"].startswith("image/svg+xml")
    assert favicon.text.lstrip().startswith("<svg")


def test_plotly_is_served_from_the_installed_package_with_a_long_cache(
    client: TestClient, settings: Settings
) -> None:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get("/dashboard", headers=HTML).text
    match = re.search(r'<script src="(/vendor/plotly\.min\.js\?v=[^"]+)"', page)
    assert match, "the dashboard loads plotly.js from the app"
    script = client.get(html.unescape(match.group(1)))
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "max-age=31536000" in script.headers["cache-control"]
    assert b"plotly.js v" in script.content[:200]
    assert "cdn" not in page.lower()


def test_the_dashboard_gives_its_script_every_word_from_the_page(
    client: TestClient, settings: Settings
) -> None:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get("/dashboard", headers=HTML).text
    match = re.search(
        r'<script type="application/json" id="dashboard-text">(.*?)</script>', page, re.S
    )
    assert match
    text = json.loads(match.group(1))
    assert text["units"]["minute"] == "Minutes"
    assert text["week_of"] == "Week of {date}"
    script = (REPO / "api" / "web" / "static" / "dashboard.js").read_text()
    assert "Minutes" not in script and "No data" not in script
