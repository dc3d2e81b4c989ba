"""The call API end to end, on real faster-whisper, the built-in summariser and the local CRM."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.auth.keys import Role
from agent.core.settings import Settings, SyncMode
from api.app import create_app
from support.audio import tone, write_wav
from support.keys import make_token
from support.prometheus import parse
from support.samples import SAMPLE_CALL
from support.uploads import until_rested, upload


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.slow
def test_the_sample_call_goes_all_the_way_to_the_crm(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = upload(
        client,
        admin_headers,
        SAMPLE_CALL,
        customer_name="Emma Brown",
        agent_name="Sam",
        started_at="2026-11-18T10:00:00Z",
        crm_case_id="500000000000001",
    )
    assert created["status"] == "queued"
    call = until_rested(client, admin_headers, created["id"])
    assert call["status"] == "done", call["failure_reason"]
    assert call["customer"] == "Emma Brown" and call["agent"] == "Sam"
    assert call["language"] == "en" and call["duration_s"] > 100
    assert {s["speaker"] for s in call["transcript"]["segments"]} == {"agent", "customer"}
    assert call["summary"]["text"] and call["summary"]["engine"] == "builtin"
    assert call["summary"]["resolution"] == "resolved"
    due = {item["description"]: item["due_date"] for item in call["action_items"]}
    assert "2026-11-20" in due.values(), due  # "by Friday", said on Wednesday 18 November
    records = call["crm"]["records"]
    assert call["crm"]["status"] == "synced"
    # the call, its action items, then its case's new status and a comment
    assert len(records) == 1 + len(call["action_items"]) + 2
    assert [r["object_type"] for r in records[-2:]] == ["Case", "CaseComment"]
    assert all(r["status"] == "written" and r["crm_id"] for r in records)


def test_listing_pages_and_filters(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    ids = [
        upload(client, admin_headers, beep, customer_name=name, started_at=f"2026-11-{day}T09:00Z")[
            "id"
        ]
        for name, day in [("Acme", "02"), ("Acme", "10"), ("Globex", "20")]
    ]
    for call_id in ids:
        until_rested(client, admin_headers, call_id)

    def listed(**params: Any) -> dict[str, Any]:
        response = client.get("/api/v1/calls", headers=admin_headers, params=params)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    assert listed()["total"] == 3
    page = listed(limit=2, offset=2)
    assert len(page["items"]) == 1 and page["total"] == 3
    assert listed(customer="Acme")["total"] == 2
    assert listed(customer="Nobody")["total"] == 0
    assert listed(status="done")["total"] == 3
    assert listed(status="failed")["total"] == 0
    window = listed(started_from="2026-11-05T00:00:00Z", started_to="2026-11-15T00:00:00Z")
    assert [item["id"] for item in window["items"]] == [ids[1]]
    bad = client.get("/api/v1/calls", headers=admin_headers, params={"status": "lost"})
    assert bad.status_code == 422
    too_many = client.get("/api/v1/calls", headers=admin_headers, params={"limit": 1000})
    assert too_many.status_code == 422


def test_a_rep_sees_only_their_own_calls(
    client: TestClient, settings: Settings, lead_headers: dict[str, str], tmp_path: Path
) -> None:
    rita = auth(make_token(settings, Role.REP, "Rita", "rita@example.com"))
    rob = auth(make_token(settings, Role.REP, "Rob", "rob@example.com"))
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    ritas = upload(client, rita, beep, agent_name="Somebody Else")
    robs = upload(client, rob, beep)
    assert ritas["agent"] == "Rita"  # a rep's upload is always their own call
    assert [c["id"] for c in client.get("/api/v1/calls", headers=rita).json()["items"]] == [
        ritas["id"]
    ]
    assert client.get(f"/api/v1/calls/{robs['id']}", headers=rita).status_code == 404
    assert client.get(f"/api/v1/calls/{ritas['id']}", headers=rita).status_code == 200
    assert client.get("/api/v1/calls", headers=lead_headers).json()["total"] == 2
    for call_id in (ritas["id"], robs["id"]):
        until_rested(client, lead_headers, call_id)


def test_after_review_nothing_reaches_the_crm_before_a_lead_approves(
    settings: Settings, tmp_path: Path
) -> None:
    gated = settings.model_copy(update={"crm_sync_mode": SyncMode.AFTER_REVIEW})
    with TestClient(create_app(gated)) as client:
        rep = auth(make_token(gated, Role.REP, "Rita", "rita@example.com"))
        lead = auth(make_token(gated, Role.LEAD, "Lee"))
        beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
        call = until_rested(client, rep, upload(client, rep, beep)["id"])
        assert call["status"] == "review"
        assert (call["crm"]["status"], call["crm"]["records"]) == ("awaiting_review", [])
        assert client.post(f"/api/v1/calls/{call['id']}/approve", headers=rep).status_code == 403
        approved = client.post(f"/api/v1/calls/{call['id']}/approve", headers=lead)
        assert approved.status_code == 200
        done = until_rested(client, lead, call["id"])
        assert done["status"] == "done"
        assert done["crm"]["status"] == "synced"
        again = client.post(f"/api/v1/calls/{call['id']}/approve", headers=lead)
        assert again.status_code == 409
        assert "only a call in review" in again.json()["detail"]


def test_undecodable_audio_fails_with_a_reason_and_can_be_retried(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    call = until_rested(client, admin_headers, upload(client, admin_headers, corrupt)["id"])
    assert call["status"] == "failed"
    assert call["failure_reason"].startswith(
        "transcription failed: the recording could not be decoded"
    )
    retried = client.post(f"/api/v1/calls/{call['id']}/retry", headers=admin_headers)
    assert retried.status_code == 200
    assert until_rested(client, admin_headers, call["id"])["status"] == "failed"


def test_retrying_a_call_that_did_not_fail_is_a_conflict(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    call = until_rested(client, admin_headers, upload(client, admin_headers, beep)["id"])
    response = client.post(f"/api/v1/calls/{call['id']}/retry", headers=admin_headers)
    assert response.status_code == 409
    missing = client.post("/api/v1/calls/nope/retry", headers=admin_headers)
    assert missing.status_code == 404


def test_health_readiness_and_metrics(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    until_rested(client, admin_headers, upload(client, admin_headers, beep)["id"])
    metrics = parse(client.get("/metrics").text)
    assert metrics.value("callsight_calls", status="done") == 1.0
    assert metrics.has("callsight_calls", status="failed")
    assert metrics.value("callsight_calls", status="failed") == 0.0


def test_started_at_is_kept_with_its_timezone(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    call = upload(client, admin_headers, beep, started_at="2026-11-18T10:00:00+09:00")
    started = dt.datetime.fromisoformat(call["started_at"])
    assert started == dt.datetime(2026, 11, 18, 1, 0, tzinfo=dt.UTC)
    until_rested(client, admin_headers, call["id"])


def test_the_recording_can_be_fetched_by_who_may_see_the_call(
    client: TestClient, settings: Settings, lead_headers: dict[str, str], tmp_path: Path
) -> None:
    rita = auth(make_token(settings, Role.REP, "Rita", "rita@example.com"))
    rob = auth(make_token(settings, Role.REP, "Rob", "rob@example.com"))
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    call = upload(client, rita, beep)
    audio_url = f"/api/v1/calls/{call['id']}/audio"
    whole = client.get(audio_url, headers=rita)
    assert whole.status_code == 200
    assert whole.content == beep.read_bytes()
    assert whole.headers["content-type"] == "audio/wav"
    part = client.get(audio_url, headers={**lead_headers, "Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"RIFF"
    assert client.get(audio_url, headers=rob).status_code == 404
    until_rested(client, rita, call["id"])
