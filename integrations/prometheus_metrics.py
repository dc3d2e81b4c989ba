"""Process-local Prometheus metrics: stage durations, CRM batches, webhook delivery attempts,
and what Salesforce says is left of its daily API limit.

Every process (the API server, each worker) counts what it did itself in prometheus-client's
process registry. The API serves them on ``/metrics`` beside the cluster-wide figures it reads
from the database; a worker serves only its own with ``serve_worker_metrics``.

The metrics are made on first use, not at import, so importing this module registers nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector

from agent.core.domain import CrmLinks, CrmWrite, CrmWriteResult, MatchHint
from agent.core.ports import Crm, CrmUnavailable, DeliveryError, WebhookTransport

# Transcribing a long recording on a CPU takes minutes; the top buckets reach past half an hour.
STAGE_BUCKETS_S = (
    *(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    *(60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 3600.0),
)


@dataclass(frozen=True)
class ProcessMetrics:
    stage_duration: Histogram
    crm_batches: Counter
    crm_writes: Counter
    webhook_attempts: Counter


@cache
def process_metrics() -> ProcessMetrics:
    """This process's metrics, registered once in the process registry."""
    return ProcessMetrics(
        stage_duration=Histogram(
            "callsight_stage_duration_seconds",
            "Time a pipeline stage took in this process, by how it ended.",
            ["stage", "outcome"],
            buckets=STAGE_BUCKETS_S,
        ),
        crm_batches=Counter(
            "callsight_crm_batches",
            "Batches this process handed to the CRM adapter (one match or one write of many "
            "records; Salesforce sends a write in requests of up to 200 records).",
            ["operation", "outcome"],
        ),
        crm_writes=Counter(
            "callsight_crm_writes",
            "Records this process sent to the CRM, by the CRM's answer.",
            ["outcome"],
        ),
        webhook_attempts=Counter(
            "callsight_webhook_delivery_attempts",
            "Outbound webhook posts this process made, by the subscriber's answer.",
            ["outcome"],
        ),
    )


@dataclass(frozen=True)
class SalesforceApiGauges:
    remaining: Gauge
    limit: Gauge


@cache
def salesforce_api_gauges() -> SalesforceApiGauges:
    """Made when Salesforce first reports its usage, so a process that never asked it shows
    none rather than a remaining count of 0."""
    return SalesforceApiGauges(
        remaining=Gauge(
            "callsight_salesforce_api_remaining",
            "API requests left in the Salesforce org's daily limit, as its last answer to this "
            "process said (Sforce-Limit-Info).",
            multiprocess_mode="mostrecent",
        ),
        limit=Gauge(
            "callsight_salesforce_api_limit",
            "The Salesforce org's daily API limit, as its last answer to this process said.",
            multiprocess_mode="mostrecent",
        ),
    )


def record_salesforce_api_usage(used: int, limit: int) -> None:
    """The Salesforce adapter's ``on_usage``: the org's usage into the gauges."""
    gauges = salesforce_api_gauges()
    gauges.remaining.set(limit - used)
    gauges.limit.set(limit)


def stage_label(stage: str) -> str:
    """A stage's name as a label value: "CRM sync" is ``crm_sync``."""
    return stage.lower().replace(" ", "_")


class PrometheusStageObserver:
    """The pipeline's ``StageObserver``: each stage's time into the duration histogram."""

    def stage_finished(self, stage: str, seconds: float, outcome: str) -> None:
        process_metrics().stage_duration.labels(stage_label(stage), outcome).observe(seconds)


class CountedCrm:
    """A ``Crm`` that counts the batches and records that go through it, then passes them on."""

    def __init__(self, inner: Crm) -> None:
        self.inner = inner
        self.name = inner.name

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        with _counted_batch("write"):
            results = self.inner.write(writes)
        for result in results:
            process_metrics().crm_writes.labels(_write_outcome(result)).inc()
        return results

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        with _counted_batch("match"):
            return self.inner.match(hints)


@contextmanager
def _counted_batch(operation: str) -> Iterator[None]:
    """Counts one batch by how the adapter call ended; the adapter's error still propagates."""
    outcome = "error"
    try:
        yield
        outcome = "ok"
    except CrmUnavailable:
        outcome = "unavailable"
        raise
    finally:
        process_metrics().crm_batches.labels(operation, outcome).inc()


def _write_outcome(result: CrmWriteResult) -> str:
    if result.ok:
        return "written"
    return "retriable" if result.retriable else "rejected"


class CountedWebhookTransport:
    """A ``WebhookTransport`` that counts each post by the subscriber's answer."""

    def __init__(self, inner: WebhookTransport) -> None:
        self.inner = inner

    def refusal(self, url: str) -> str | None:
        return self.inner.refusal(url)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        attempts = process_metrics().webhook_attempts
        try:
            code = self.inner.post(url, body, headers)
        except DeliveryError:
            attempts.labels("unreachable").inc()
            raise
        attempts.labels("delivered" if 200 <= code < 300 else "refused").inc()
        return code


def serve_worker_metrics(port: int, addr: str = "0.0.0.0") -> WSGIServer:
    """Serve this process's metrics over HTTP on ``port`` from a daemon thread.

    For worker processes, which have no API: only what this process counted (and the process
    collector's CPU and memory), never the cluster-wide figures the API reads from the database.
    Returns the server; ``shutdown()`` stops it.
    """
    process_metrics()  # so the families are listed before the first stage runs
    server, _thread = start_http_server(port, addr, _worker_registry())
    return server


def _worker_registry() -> CollectorRegistry:
    """The registry to serve: with ``PROMETHEUS_MULTIPROC_DIR`` set (a prefork worker, whose
    stages run in child processes), the sum over every process's files; else this process's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry
