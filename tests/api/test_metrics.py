"""/metrics as a scraper reads it: database figures, process figures, the broker, a token."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from kombu import Connection, Exchange, Queue
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.domain import DeliveryStatus, OutboxStatus
from agent.core.settings import Settings
from agent.core.tables import CrmOutbox, Summary, WebhookDelivery, WebhookSubscription
from api.app import create_app
from api.composition import build_queue_depths
from api.metrics import CELERY_QUEUES, ClusterCollector, exposition
from integrations.broker_queues import RedisQueueDepths, queue_keys
from support.audio import tone, write_wav
from support.factories import SeedSummary, make_call
from support.keys import make_token
from support.prometheus import Scrape, growth, parse
from support.uploads import until_rested, upload

# A Redis database no other test uses, so queue lengths read there are this file's own.
BROKER_URL = "redis://127.0.0.1:6379/15"
LATER = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # a retry so late the background loop leaves it


def scrape(client: TestClient, headers: dict[str, str] | None = None) -> Scrape:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


def seed_failed(session: Session, reason: str) -> None:
    call = make_call(session, status=CallStatus.FAILED)
    call.failure_reason = reason
    session.add(call)


def test_calls_by_status_and_failures_by_the_stage_they_name(
    client: TestClient, engine: Engine
) -> None:
    with Session(engine) as session:
        for status in (CallStatus.DONE, CallStatus.DONE, CallStatus.REVIEW, CallStatus.UNMATCHED):
            make_call(session, status=status)
        for reason in (
            "transcription failed: the recording could not be decoded as audio",
            "transcription failed unexpectedly (KeyError: 'x'); retry the call",
            "summary failed: the model answered nothing usable",
            "CRM sync failed: the local CRM rejected 1 record(s), first Task t-1: nope",
            "CRM matching failed: invalid grant; fix the setting, then retry the call",
            "the operator gave up on it",
        ):
            seed_failed(session, reason)
        session.commit()

    text = client.get("/metrics").text
    metrics = parse(text)
    calls = {status: metrics.value("callsight_calls", status=status) for status in CallStatus}
    assert calls == {
        **dict.fromkeys(CallStatus, 0.0),
        CallStatus.DONE: 2.0,
        CallStatus.REVIEW: 1.0,
        CallStatus.UNMATCHED: 1.0,
        CallStatus.FAILED: 6.0,
    }
    assert metrics.labelled("callsight_call_failures") == {
        (("stage", "transcription"),): 2.0,
        (("stage", "summary"),): 1.0,
        (("stage", "crm_sync"),): 2.0,
        (("stage", "other"),): 1.0,
    }
    assert "could not be decoded" not in text and "gave up" not in text


def test_llm_tokens_and_cost_are_summed_by_engine_and_model(
    client: TestClient, engine: Engine
) -> None:
    usage = [
        ("llm", "gpt-4o-mini", 1200, 300, 0.00036),
        ("llm", "gpt-4o-mini", 800, 200, 0.00024),
        ("llm", "gpt-4.1", 1000, 100, 0.0028),
        ("builtin", "rules-en-1", 0, 0, 0.0),
    ]
    with Session(engine) as session:
        for engine_name, model, input_tokens, output_tokens, cost in usage:
            call = make_call(session, status=CallStatus.REVIEW, summary=SeedSummary())
            summary = session.get(Summary, call.id)
            assert summary is not None
            summary.engine, summary.model, summary.cost_usd = engine_name, model, cost
            summary.input_tokens, summary.output_tokens = input_tokens, output_tokens
            session.add(summary)
        session.commit()

    metrics = scrape(client)
    tokens = metrics.labelled("callsight_llm_tokens")
    assert tokens == {
        (("direction", "input"), ("engine", "llm"), ("model", "gpt-4o-mini")): 2000.0,
        (("direction", "output"), ("engine", "llm"), ("model", "gpt-4o-mini")): 500.0,
        (("direction", "input"), ("engine", "llm"), ("model", "gpt-4.1")): 1000.0,
        (("direction", "output"), ("engine", "llm"), ("model", "gpt-4.1")): 100.0,
        (("direction", "input"), ("engine", "builtin"), ("model", "rules-en-1")): 0.0,
        (("direction", "output"), ("engine", "builtin"), ("model", "rules-en-1")): 0.0,
    }
    cost = metrics.value("callsight_llm_cost_usd", engine="llm", model="gpt-4o-mini")
    assert cost == pytest.approx(0.0006)
    assert metrics.value("callsight_llm_cost_usd", engine="llm", model="gpt-4.1") == (
        pytest.approx(0.0028)
    )


def test_crm_writes_attempts_and_retries_come_from_the_outbox(
    client: TestClient, engine: Engine
) -> None:
    rows = [
        (OutboxStatus.WRITTEN, 1),
        (OutboxStatus.WRITTEN, 3),
        (OutboxStatus.PENDING, 0),
        (OutboxStatus.PENDING, 2),
        (OutboxStatus.FAILED, 10),
    ]
    with Session(engine) as session:
        call = make_call(session, status=CallStatus.DONE)
        for position, (status, attempts) in enumerate(rows):
            session.add(
                CrmOutbox(
                    call_id=call.id,
                    crm="local",
                    object_type="Task",
                    external_id=f"metrics-{position}",
                    status=status,
                    attempts=attempts,
                    next_attempt_at=LATER if status == OutboxStatus.PENDING else None,
                )
            )
        session.commit()

    metrics = scrape(client)
    by_status = {
        name: {status.value: metrics.value(name, status=status.value) for status in OutboxStatus}
        for name in (
            "callsight_crm_outbox_writes",
            "callsight_crm_outbox_attempts",
            "callsight_crm_outbox_retries",
        )
    }
    assert by_status == {
        "callsight_crm_outbox_writes": {"pending": 2.0, "written": 2.0, "failed": 1.0},
        "callsight_crm_outbox_attempts": {"pending": 2.0, "written": 4.0, "failed": 10.0},
        "callsight_crm_outbox_retries": {"pending": 1.0, "written": 2.0, "failed": 9.0},
    }


def test_webhook_deliveries_by_status(client: TestClient, engine: Engine) -> None:
    statuses = [DeliveryStatus.DELIVERED] * 3 + [DeliveryStatus.FAILED, DeliveryStatus.PENDING]
    with Session(engine) as session:
        subscription = WebhookSubscription(
            url="http://127.0.0.1:9/hook", secret="s" * 16, events=["call.synced"]
        )
        session.add(subscription)
        session.flush()
        assert subscription.id is not None
        for position, status in enumerate(statuses):
            session.add(
                WebhookDelivery(
                    subscription_id=subscription.id,
                    event_id=f"event-{position}",
                    event_type="call.synced",
                    status=status,
                    next_attempt_at=LATER if status == DeliveryStatus.PENDING else None,
                )
            )
        session.commit()

    assert scrape(client).labelled("callsight_webhook_deliveries") == {
        (("status", "delivered"),): 3.0,
        (("status", "failed"),): 1.0,
        (("status", "pending"),): 1.0,
    }


def stage_count(metrics: Scrape, stage: str, outcome: str) -> float:
    return metrics.value("callsight_stage_duration_seconds_count", stage=stage, outcome=outcome)


def test_processed_calls_record_each_stage_s_duration_and_the_crm_batches(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF\x00\x10\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    before = scrape(client)

    done = until_rested(client, admin_headers, upload(client, admin_headers, beep)["id"])
    failed = until_rested(client, admin_headers, upload(client, admin_headers, garbage)["id"])

    assert done["status"] == "done" and failed["status"] == "failed"
    after = scrape(client)
    for stage, outcome in [
        ("transcription", "done"),
        ("summary", "done"),
        ("crm_sync", "done"),
        ("transcription", "failed"),
    ]:
        assert stage_count(after, stage, outcome) >= stage_count(before, stage, outcome) + 1
    duration = "callsight_stage_duration_seconds_sum"
    assert 0 < growth(before, after, duration, stage="transcription", outcome="done") < 600
    assert after.has(
        "callsight_stage_duration_seconds_bucket", stage="summary", outcome="done", le="1800.0"
    )
    written = growth(before, after, "callsight_crm_writes_total", outcome="written")
    assert written >= len(done["crm"]["records"]) > 0
    batches = "callsight_crm_batches_total"
    assert growth(before, after, batches, operation="write", outcome="ok") >= 1


class BrokerSettings(Settings):
    # Until Settings has it: the broker is named by CALLSIGHT_BROKER_URL.
    broker_url: str = ""


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(BROKER_URL)
    yield client
    client.close()


def publish(queue: str, priorities: list[int | None]) -> list[str]:
    """Messages sent to ``queue`` by kombu's own producer, as Celery sends its tasks."""
    exchange = Exchange(queue, type="direct")
    with Connection(BROKER_URL) as connection:
        producer = connection.Producer()
        declared = Queue(queue, exchange, routing_key=queue)
        for priority in priorities:
            producer.publish(
                {"task": "noop"},
                exchange=exchange,
                routing_key=queue,
                declare=[declared],
                priority=priority,
            )
    bindings = [f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"]
    return [*queue_keys(queue), *bindings]


def test_queue_depth_counts_every_priority_list_kombu_writes(broker: redis.Redis) -> None:
    asr, io = f"asr-{uuid.uuid4().hex[:8]}", f"io-{uuid.uuid4().hex[:8]}"
    keys = publish(asr, [None, None, 0, 3, 9]) + publish(io, [5])
    try:
        depths = RedisQueueDepths(BROKER_URL, [asr, io, "nothing-here"]).read()
        used = [key for key in keys if broker.exists(key) and key.startswith(asr)]
    finally:
        broker.delete(*keys)
    assert depths == {asr: 5, io: 1, "nothing-here": 0}
    assert len(used) > 1, "the messages should have gone to several priority lists"


def test_the_api_reports_the_celery_queues_when_a_broker_is_set(
    settings: Settings, broker: redis.Redis
) -> None:
    with_broker = BrokerSettings(**settings.model_dump(), broker_url=BROKER_URL)
    assert build_queue_depths(settings) is None
    broker.delete(*queue_keys("asr"), *queue_keys("io"))  # what a run cut short left behind
    keys = publish("asr", [None, 6]) + publish("io", [None, None, None])
    try:
        with TestClient(create_app(with_broker)) as client:
            metrics = scrape(client)
    finally:
        broker.delete(*keys)
    assert metrics.value("callsight_broker_up") == 1.0
    assert metrics.labelled("callsight_queue_depth") == {
        (("queue", "asr"),): 2.0,
        (("queue", "io"),): 3.0,
    }
    assert set(CELERY_QUEUES) == {"asr", "io"}


def test_without_a_broker_no_queue_depth_is_reported(client: TestClient) -> None:
    metrics = scrape(client)
    assert "callsight_queue_depth" not in metrics.families
    assert "callsight_broker_up" not in metrics.families


def test_a_broker_that_does_not_answer_is_reported_down(engine: Engine) -> None:
    unreachable = RedisQueueDepths("redis://127.0.0.1:1/0", CELERY_QUEUES, timeout_s=0.5)
    metrics = parse(exposition(ClusterCollector(engine, unreachable)).decode())
    assert metrics.value("callsight_broker_up") == 0.0
    assert metrics.labelled("callsight_queue_depth") == {}
    assert metrics.families["callsight_calls"] == "gauge"


def test_a_metrics_token_is_required_once_set(settings: Settings) -> None:
    token = "scrape-" + uuid.uuid4().hex
    guarded = settings.model_copy(update={"metrics_token": SecretStr(token)})
    admin_key = make_token(settings, Role.ADMIN, "Ada Admin")
    with TestClient(create_app(guarded)) as client:
        refused = {
            "none": client.get("/metrics"),
            "wrong": client.get("/metrics", headers={"Authorization": f"Bearer {token}x"}),
            "basic": client.get("/metrics", headers={"Authorization": f"Basic {token}"}),
            "admin key": client.get("/metrics", headers={"Authorization": f"Bearer {admin_key}"}),
        }
        metrics = scrape(client, {"Authorization": f"Bearer {token}"})
        health = client.get("/healthz")
    for answer in refused.values():
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert "metrics token" in answer.json()["detail"]
    assert metrics.families["callsight_calls"] == "gauge"
    assert health.status_code == 200
