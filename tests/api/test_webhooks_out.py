"""Outbound webhooks: subscriptions managed by admins, signed deliveries, retries, delivery log."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.auth.keys import Role
from agent.core.domain import CrmEvent, DeliveryStatus
from agent.core.settings import Settings
from agent.core.tables import WebhookDelivery
from agent.crm.sync import RetryPolicy
from agent.webhooks.outbound import WebhookDeliveries
from agent.webhooks.signatures import verify
from api.app import create_app
from integrations.http_webhooks import HttpWebhookTransport
from support.audio import tone, write_wav
from support.http_peer import HttpPeer
from support.keys import make_token
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


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
    ],
)
def test_subscriptions_to_non_public_addresses_are_refused_unless_allowed(
    settings: Settings, url: str
) -> None:
    strict = settings.model_copy(update={"outbound_webhook_allow_private": False})
    with TestClient(create_app(strict)) as strict_client:
        headers = {"Authorization": f"Bearer {make_token(strict, Role.ADMIN, 'Ada')}"}
        refused = subscribe(strict_client, headers, url, ["call.synced"])
        assert refused.status_code == 422, refused.text
        assert "non-public address" in refused.json()["detail"]
        assert "CALLSIGHT_OUTBOUND_WEBHOOK_ALLOW_PRIVATE" in refused.json()["detail"]
        listed = strict_client.get("/api/v1/webhooks/subscriptions", headers=headers).json()
        assert listed == []


def _deliveries(
    engine: Engine, transport: HttpWebhookTransport, attempts: int
) -> WebhookDeliveries:
    policy = RetryPolicy(base_s=0.01, cap_s=0.01, max_attempts=attempts)
    return WebhookDeliveries(engine, transport, policy)


def _attempt_all(deliveries: WebhookDeliveries, rounds: int) -> WebhookDelivery:
    for _ in range(rounds):
        deliveries.deliver_due()
        time.sleep(0.05)
    with Session(deliveries.engine) as session:
        return session.exec(select(WebhookDelivery)).one()


def test_a_delivery_to_an_address_that_became_private_fails_at_once(
    settings: Settings, engine: Engine
) -> None:
    with TestClient(create_app(settings)) as client, HttpPeer() as peer:
        headers = {"Authorization": f"Bearer {make_token(settings, Role.ADMIN, 'Ada')}"}
        assert subscribe(client, headers, f"{peer.url}/hook", ["call.synced"]).status_code == 201
    # As if the name now resolved to a private address: this sender refuses loopback.
    strict = _deliveries(engine, HttpWebhookTransport(timeout_s=1), attempts=8)
    strict.publish([CrmEvent("evt-private", "call.synced", {"call_id": "c1"})])
    delivery = _attempt_all(strict, rounds=3)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.last_error and "non-public address" in delivery.last_error
    assert peer.received == []


def test_a_delivery_the_subscriber_keeps_refusing_stops_at_the_attempt_limit(
    settings: Settings, engine: Engine
) -> None:
    with HttpPeer() as peer:
        with TestClient(create_app(settings)) as client:
            headers = {"Authorization": f"Bearer {make_token(settings, Role.ADMIN, 'Ada')}"}
            made = subscribe(client, headers, f"{peer.url}/hook", ["call.synced"])
            assert made.status_code == 201
        peer.statuses.extend([503] * 10)
        sender = _deliveries(engine, HttpWebhookTransport(timeout_s=1, allow_private=True), 3)
        sender.publish([CrmEvent("evt-503", "call.synced", {"call_id": "c1"})])
        delivery = _attempt_all(sender, rounds=6)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert len(peer.received) == 3 and delivery.next_attempt_at is None
