"""Outbound webhooks: subscriptions managed by admins, signed deliveries, retries, delivery log."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.core.settings import Settings
from agent.webhooks.signatures import verify
from support.audio import tone, write_wav
from support.http_peer import HttpPeer
from support.polling import wait_for

SECRET = "subscriber-secret-0123456789"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        runner_workers=1,
        outbox_poll_s=0.1,
        outbound_webhook_allow_private=True,
        outbound_webhook_retry_base_s=0.05,
    )


def subscribe(client: TestClient, headers: dict[str, str], url: str, events: list[str]) -> Any:
    body = {"url": url, "secret": SECRET, "events": events}
    return client.post("/api/v1/webhooks/subscriptions", headers=headers, json=body)


def test_only_admins_manage_subscriptions_and_bad_ones_are_refused(
    client: TestClient, admin_headers: dict[str, str], lead_headers: dict[str, str]
) -> None:
    url = "http://127.0.0.1:9/hook"
    assert subscribe(client, lead_headers, url, ["call.synced"]).status_code == 403
    unknown = subscribe(client, admin_headers, url, ["call.exploded"])
    assert unknown.status_code == 422 and "call.exploded" in unknown.text
    assert subscribe(client, admin_headers, "ftp://x/hook", ["call.synced"]).status_code == 422
    made = subscribe(client, admin_headers, url, ["call.synced", "call.failed"])
    assert made.status_code == 201
    listed = client.get("/api/v1/webhooks/subscriptions", headers=admin_headers).json()
    assert [s["events"] for s in listed] == [["call.failed", "call.synced"]]
    assert "secret" not in listed[0]
    gone = client.delete(
        f"/api/v1/webhooks/subscriptions/{made.json()['id']}", headers=admin_headers
    )
    assert gone.status_code == 204
    log = f"/api/v1/webhooks/subscriptions/{made.json()['id']}/deliveries"
    assert client.get(log, headers=admin_headers).status_code == 404


def test_pipeline_events_are_delivered_signed_and_retried(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    events = ["call.transcribed", "call.summarised", "call.synced"]
    with HttpPeer() as peer:
        peer.statuses.append(500)  # the first delivery fails and is tried again
        made = subscribe(client, admin_headers, f"{peer.url}/hook", events)
        assert made.status_code == 201
        beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
        with beep.open("rb") as audio:
            call = client.post(
                "/api/v1/calls", headers=admin_headers, files={"file": ("beep.wav", audio)}
            ).json()
        wait_for(lambda: len(peer.received) >= 4, timeout=180)
        time.sleep(0.3)
        received = list(peer.received)
    bodies = [json.loads(r.body) for r in received]
    assert {b["type"] for b in bodies} == set(events)
    assert all(b["data"]["call_id"] == call["id"] for b in bodies)
    sent = Counter(b["id"] for b in bodies)  # the retry sends the same event again
    assert sorted(sent.values()) == [1, 1, 2]
    for item in received:
        verify(item.headers["callsight-signature"], item.body, [SECRET], time.time())
        assert item.headers["callsight-event"] in events
    log = client.get(
        f"/api/v1/webhooks/subscriptions/{made.json()['id']}/deliveries", headers=admin_headers
    ).json()
    assert sorted(d["status"] for d in log) == ["delivered"] * 3
    assert sorted(d["attempts"] for d in log) == [1, 1, 2]
    assert any(d["last_status_code"] == 200 for d in log)
