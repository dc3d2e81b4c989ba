"""The audit log: each read or change through the API or the pages leaves one record, admins
read it through GET /api/v1/audit with filters, and old records are purged."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.audit.log import purge
from agent.audit.tables import AuditEvent
from agent.auth.keys import Role
from agent.core.call_states import RESTING_STATUSES, CallStatus
from agent.core.settings import Settings
from agent.core.tables import ApiKey, Call, utcnow
from api.cli.main import main as cli
from support.audio import tone, write_wav
from support.factories import SeedSummary, make_call
from support.keys import make_token
from support.polling import wait_for

AUDIT = "/api/v1/audit"
HTML = {"Accept": "text/html"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def seeded(engine: Engine, status: CallStatus, **fields: Any) -> str:
    with Session(engine) as session:
        call = make_call(session, status=status, summary=SeedSummary(), action_items=1, **fields)
        session.commit()
        return call.id


def settled(engine: Engine, *call_ids: str) -> None:
    """Wait until the calls the test set moving come to rest, so no work outlives the test."""

    def resting() -> bool:
        with Session(engine) as session:
            calls = [session.get(Call, call_id) for call_id in call_ids]
            return all(call is not None and call.status in RESTING_STATUSES for call in calls)

    wait_for(resting, timeout=120)


def events(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]


def test_each_action_through_the_api_leaves_its_record(
    client: TestClient, settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    lead = make_token(settings, Role.LEAD, "Lee Lead")
    prefix = lead.split("_")[1]
    beep = write_wav(tmp_path / "beep.wav", [tone(0.3)]).read_bytes()
    uploaded = client.post("/api/v1/calls", headers=bearer(lead), files={"file": ("b.wav", beep)})
    assert uploaded.status_code == 201
    fresh = uploaded.json()["id"]
    review = seeded(engine, CallStatus.REVIEW)
    done = seeded(engine, CallStatus.DONE, duration_s=12.0)
    unmatched = seeded(engine, CallStatus.UNMATCHED)
    failed = seeded(engine, CallStatus.FAILED)
    answers = [
        client.get(f"/api/v1/calls/{done}", headers=bearer(lead)),
        client.get(f"/api/v1/calls/{done}/transcript?format=srt", headers=bearer(lead)),
        client.get(f"/api/v1/calls/{fresh}/audio", headers=bearer(lead)),
        client.get(f"/api/v1/calls/{fresh}/audio", headers={**bearer(lead), "Range": "bytes=10-"}),
        client.post(f"/api/v1/calls/{review}/approve", headers=bearer(lead)),
        client.patch(f"/api/v1/calls/{done}", headers=bearer(lead), json={"summary": "Fixed."}),
        client.post(
            f"/api/v1/calls/{unmatched}/crm-links", headers=bearer(lead), json={"contact_id": "C1"}
        ),
        client.post(f"/api/v1/calls/{failed}/retry", headers=bearer(lead)),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 206, 200, 200, 200, 200]
    recorded = [(e.action, e.call_id) for e in events(engine)]
    assert recorded == [
        ("call.uploaded", fresh),
        ("call.viewed", done),
        ("transcript.downloaded", done),
        ("recording.downloaded", fresh),  # the range from byte 10 continues the same listen
        ("call.approved", review),
        ("call.edited", done),
        ("call.linked", unmatched),
        ("call.retried", failed),
    ]
    for event in events(engine):
        assert (event.via, event.actor, event.key_prefix) == ("api", "Lee Lead", prefix)
        assert event.address == "testclient" and event.at is not None
    settled(engine, fresh, review, done, unmatched, failed)


def test_a_refused_change_leaves_no_record(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    done = seeded(engine, CallStatus.DONE)
    lead = bearer(make_token(settings, Role.LEAD, "Lee"))
    assert client.post(f"/api/v1/calls/{done}/approve", headers=lead).status_code == 409
    assert client.get("/api/v1/calls/nope", headers=lead).status_code == 404
    assert events(engine) == []


def _signed_in(client: TestClient, token: str) -> str:
    page = client.post("/login", data={"api_key": token}, headers=HTML)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


def test_the_pages_record_sign_in_views_edits_and_keys(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    csrf = _signed_in(client, make_token(settings, Role.ADMIN, "Ada"))
    review = seeded(engine, CallStatus.REVIEW)
    done = seeded(engine, CallStatus.DONE)
    form = {"csrf_token": csrf}
    answers = [
        client.get(f"/calls/{review}", headers=HTML),
        client.post(f"/calls/{review}/approve", data=form, headers=HTML, follow_redirects=False),
        client.post(
            f"/calls/{done}/resolution",
            data={**form, "resolution": "unresolved"},
            headers=HTML,
            follow_redirects=False,
        ),
        client.post("/admin/keys", data={**form, "name": "Rita", "role": "rep"}, headers=HTML),
    ]
    assert [a.status_code for a in answers] == [200, 303, 303, 200]
    token = re.search(r"cs_[0-9a-f]+_[\w-]+", answers[-1].text)
    assert token
    with Session(engine) as session:
        rita = session.exec(select(ApiKey).where(ApiKey.name == "Rita")).one()
    revoked = client.post(
        f"/admin/keys/{rita.id}/revoke", data=form, headers=HTML, follow_redirects=False
    )
    assert revoked.status_code == 303
    recorded = [(e.action, e.call_id, e.via) for e in events(engine)]
    assert recorded == [
        ("session.signed_in", None, "web"),
        ("call.viewed", review, "web"),
        ("call.approved", review, "web"),
        ("call.edited", done, "web"),
        ("key.created", None, "web"),
        ("key.revoked", None, "web"),
    ]
    created, gone = events(engine)[-2:]
    assert created.target == f"key {rita.prefix} (rep, Rita)"
    assert gone.target == f"key {rita.prefix} (Rita)"
    assert token[0].split("_", 2)[2] not in (created.target or "")
    settled(engine, review, done)


def test_an_upload_and_a_listen_from_the_page_are_recorded(
    client: TestClient, settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    csrf = _signed_in(client, make_token(settings, Role.REP, "Rita"))
    beep = write_wav(tmp_path / "beep.wav", [tone(0.3)]).read_bytes()
    sent = client.post(
        "/calls/upload", files={"file": ("beep.wav", beep)}, headers={"X-CSRF-Token": csrf}
    )
    assert sent.status_code == 201
    call_id = sent.json()["id"]
    for wanted in ("bytes=0-", "bytes=100-", "bytes=-50"):
        heard = client.get(f"/calls/{call_id}/audio", headers={"Range": wanted})
        assert heard.status_code == 206
    recorded = [(e.action, e.call_id, e.via, e.actor) for e in events(engine)]
    assert recorded == [
        ("session.signed_in", None, "web", "Rita"),
        ("call.uploaded", call_id, "web", "Rita"),
        ("recording.downloaded", call_id, "web", "Rita"),
    ]
    settled(engine, call_id)


def test_only_admins_read_the_log(client: TestClient, settings: Settings) -> None:
    for role in (Role.REP, Role.LEAD):
        answer = client.get(AUDIT, headers=bearer(make_token(settings, role, role.value)))
        assert answer.status_code == 403
    assert client.get(AUDIT).status_code == 401


def _add(engine: Engine, **fields: Any) -> None:
    values = {"action": "call.viewed", "via": "api", "actor": "Lee", **fields}
    with Session(engine) as session:
        session.add(AuditEvent(**values))
        session.commit()


def test_filters_and_pages(
    client: TestClient, admin_headers: dict[str, str], engine: Engine
) -> None:
    now = utcnow()
    _add(engine, actor="Lee", key_prefix="aaaa1111", call_id="c1", at=now - dt.timedelta(days=3))
    _add(engine, actor="Lee", key_prefix="aaaa1111", call_id="c2", action="call.edited", at=now)
    _add(engine, actor="Rita", key_prefix="bbbb2222", call_id="c1", at=now)

    def found(**params: Any) -> list[tuple[str, str | None]]:
        answer = client.get(AUDIT, headers=admin_headers, params=params)
        assert answer.status_code == 200, answer.text
        return [(item["actor"], item["call_id"]) for item in answer.json()["items"]]

    assert len(found()) == 3
    assert found(actor="Rita") == [("Rita", "c1")]
    assert sorted(found(actor="aaaa1111")) == [("Lee", "c1"), ("Lee", "c2")]
    assert found(action="call.edited") == [("Lee", "c2")]
    assert sorted(found(call_id="c1")) == [("Lee", "c1"), ("Rita", "c1")]
    since = (now - dt.timedelta(days=1)).isoformat()
    assert len(found(**{"from": since})) == 2
    assert found(to=since) == [("Lee", "c1")]
    page = client.get(AUDIT, headers=admin_headers, params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["offset"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"action": "call.deleted"},
        {"from": "yesterday"},
        {"to": "1700000000"},
        {"limit": 0},
        {"offset": -1},
        {"offset": 2**63},
        {"from": "2026-11-02", "to": "2026-11-01"},
        {"actor": "x" * 201},
    ],
)
def test_bad_filters_are_422(
    client: TestClient, admin_headers: dict[str, str], params: dict[str, Any]
) -> None:
    assert client.get(AUDIT, headers=admin_headers, params=params).status_code == 422


def test_purge_removes_only_records_past_retention(engine: Engine) -> None:
    now = utcnow()
    for days in (400, 366, 364, 0):
        _add(engine, target=str(days), at=now - dt.timedelta(days=days))
    with Session(engine) as session:
        assert purge(session, 365, now) == 2
        session.commit()
    assert [e.target for e in events(engine)] == ["364", "0"]


def test_the_command_line_creates_keys_on_record_and_purges(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLSIGHT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CALLSIGHT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CALLSIGHT_AUDIT_RETENTION_DAYS", "30")
    created = CliRunner().invoke(cli, ["keys", "create", "--role", "rep", "--name", "Rita"])
    assert created.exit_code == 0, created.output
    _add(engine, at=utcnow() - dt.timedelta(days=31))
    listed = CliRunner().invoke(cli, ["audit", "list"])
    assert listed.exit_code == 0 and "key.created\tcli" in listed.output
    assert created.output.strip().split("_", 2)[2] not in listed.output
    purged = CliRunner().invoke(cli, ["audit", "purge"])
    assert purged.exit_code == 0 and purged.output.startswith("1 audit record(s)")
    assert [e.action for e in events(engine)] == ["key.created"]


def test_both_job_runners_purge_the_log(settings: Settings, engine: Engine) -> None:
    from api.app import purge_audit
    from api.composition import build_container
    from api.worker.celery_app import make_celery

    celery = make_celery(settings.model_copy(update={"broker_url": "redis://127.0.0.1:9/0"}))
    assert "callsight.purge_audit" in celery.tasks
    scheduled = celery.conf.beat_schedule["audit-purge"]
    assert scheduled["task"] == "callsight.purge_audit" and scheduled["schedule"] == 3600
    _add(engine, at=utcnow() - dt.timedelta(days=settings.audit_retention_days + 1))
    _add(engine, at=utcnow())
    container = build_container(settings)
    assert purge_audit(container) == 1
    container.engine.dispose()
    assert len(events(engine)) == 1
