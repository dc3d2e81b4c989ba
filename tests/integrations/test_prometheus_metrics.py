"""Process-local metrics: the counting adapters, and the worker's own metrics server."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import Engine

from agent.core.domain import CrmWrite, MatchHint
from agent.core.ports import CrmUnavailable, DeliveryError
from integrations.http_webhooks import HttpWebhookTransport
from integrations.local_crm import LocalCrm
from integrations.prometheus_metrics import (
    CountedCrm,
    CountedWebhookTransport,
    PrometheusStageObserver,
    serve_worker_metrics,
)
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from support.http_peer import HttpPeer
from support.prometheus import Scrape, growth, parse
from support.salesforce_emulator import SalesforceEmulator


@pytest.fixture
def worker_metrics() -> Iterator[str]:
    server = serve_worker_metrics(0, "127.0.0.1")
    yield f"http://127.0.0.1:{server.server_port}/metrics"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def scrape(url: str) -> Scrape:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    return parse(response.text)


def test_a_worker_serves_its_stage_durations_and_nothing_from_the_database(
    worker_metrics: str,
) -> None:
    before = scrape(worker_metrics)
    observer = PrometheusStageObserver()
    observer.stage_finished("CRM sync", 0.3, "skipped")
    observer.stage_finished("CRM sync", 2.0, "skipped")

    after = scrape(worker_metrics)
    labels = {"stage": "crm_sync", "outcome": "skipped"}
    count = "callsight_stage_duration_seconds_count"
    assert after.value(count, **labels) == before.value(count, **labels) + 2
    total = "callsight_stage_duration_seconds_sum"
    assert after.value(total, **labels) == pytest.approx(before.value(total, **labels) + 2.3)
    bucket = "callsight_stage_duration_seconds_bucket"
    assert after.value(bucket, le="0.5", **labels) == before.value(bucket, le="0.5", **labels) + 1
    assert "callsight_calls" not in after.families
    assert "process_cpu_seconds" in after.families


def test_webhook_posts_are_counted_by_the_subscriber_s_answer() -> None:
    transport = CountedWebhookTransport(HttpWebhookTransport(timeout_s=5, allow_private=True))
    counter = "callsight_webhook_delivery_attempts_total"
    before = _local_scrape()
    with HttpPeer() as peer:
        peer.statuses.extend([204, 500])
        assert transport.post(f"{peer.url}/hook", b"{}", {}) == 204
        assert transport.post(f"{peer.url}/hook", b"{}", {}) == 500
    with pytest.raises(DeliveryError):
        transport.post(f"http://127.0.0.1:{closed_port()}/hook", b"{}", {})
    after = _local_scrape()
    for outcome in ("delivered", "refused", "unreachable"):
        assert growth(before, after, counter, outcome=outcome) == 1, outcome


def test_crm_batches_and_records_are_counted_and_passed_through(engine: Engine) -> None:
    crm = CountedCrm(LocalCrm(engine))
    before = _local_scrape()
    results = crm.write([CrmWrite("Task", "m-1", {}), CrmWrite("Task", "m-2", {})])
    crm.match([MatchHint(email="nobody@example.com")])
    after = _local_scrape()

    assert crm.name == "local" and all(result.ok for result in results)
    assert len(LocalCrm(engine).records("Task")) == 2
    batches = "callsight_crm_batches_total"
    grew = {
        "write batches": growth(before, after, batches, operation="write", outcome="ok"),
        "match batches": growth(before, after, batches, operation="match", outcome="ok"),
        "records written": growth(before, after, "callsight_crm_writes_total", outcome="written"),
    }
    assert grew == {"write batches": 1, "match batches": 1, "records written": 2}


def test_a_crm_outage_is_counted_as_unavailable_and_still_raised(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    auth = ClientCredentials(sf_org.url, sf_org.client_id, sf_org.client_secret)
    crm = CountedCrm(SalesforceCrm(SalesforceConnection(auth, https_session)))
    before = _local_scrape()
    sf_org.faults.append("503")
    with pytest.raises(CrmUnavailable):
        crm.match([MatchHint(email="ana@acme.test")])
    sf_org.faults.append("503")
    results = crm.write([CrmWrite("Task", "m-3", {"Subject": "Call"})])
    after = _local_scrape()

    assert crm.name == "salesforce" and results[0].retriable
    batches = "callsight_crm_batches_total"
    assert growth(before, after, batches, operation="match", outcome="unavailable") == 1
    assert growth(before, after, "callsight_crm_writes_total", outcome="retriable") == 1


def _local_scrape() -> Scrape:
    from prometheus_client import REGISTRY, generate_latest

    return parse(generate_latest(REGISTRY).decode())
