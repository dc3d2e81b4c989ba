"""What ``/metrics`` shows: cluster-wide figures read at scrape time, and this process's own.

API servers and workers are separate processes, maybe on separate machines. What they share
lives in the database and the broker, so the API reads it when Prometheus asks, with a few
short aggregate queries on one connection. What a process counted itself (stage durations,
CRM batches, webhook posts) comes from prometheus-client's process registry; each worker
serves its own (``integrations.prometheus_metrics.serve_worker_metrics``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Connection, Engine, case, func, or_, select
from sqlmodel import col

from agent.core.call_states import CallStatus
from agent.core.domain import DeliveryStatus, OutboxStatus
from agent.core.tables import Call, CrmOutbox, Summary, WebhookDelivery
from agent.processing.pipeline import STAGE_NAMES
from api.worker.broker import QUEUES
from integrations.prometheus_metrics import process_metrics, stage_label

# The Celery queues the workers consume (the ASR queue, and the queue of short I/O jobs).
CELERY_QUEUES = QUEUES

# A failure reason starts with the stage that failed ("summary failed: ..."); CRM matching
# happens in the CRM sync stage but says so in its own words.
FAILURE_PREFIXES: dict[str, tuple[str, ...]] = {
    stage_label(name): (f"{name} failed",) for name in dict.fromkeys(STAGE_NAMES.values())
}
FAILURE_PREFIXES[stage_label(STAGE_NAMES[CallStatus.SYNCING])] += ("CRM matching failed",)
OTHER_FAILURE = "other"


class QueueDepths(Protocol):
    def read(self) -> dict[str, int] | None:
        """Waiting jobs per queue; None when the broker does not answer."""
        ...


class ClusterCollector:
    """A prometheus-client collector of the figures every process shares."""

    def __init__(self, engine: Engine, queue_depths: QueueDepths | None = None) -> None:
        self.engine, self.queue_depths = engine, queue_depths

    def collect(self) -> Iterable[Metric]:
        with self.engine.connect() as connection:
            families = [
                calls_by_status(connection),
                failures_by_stage(connection),
                *crm_outbox(connection),
                *llm_usage(connection),
                webhook_deliveries(connection),
            ]
        if self.queue_depths is not None:
            families += broker_queues(self.queue_depths.read())
        return families


class _Exposition:
    """The cluster figures followed by this process's registry, as one collector."""

    def __init__(self, cluster: ClusterCollector) -> None:
        self.cluster = cluster

    def collect(self) -> Iterator[Metric]:
        yield from self.cluster.collect()
        yield from REGISTRY.collect()


def exposition(cluster: ClusterCollector) -> bytes:
    """The Prometheus text exposition the API serves."""
    process_metrics()  # list this process's families even before anything was counted
    return generate_latest(_Exposition(cluster))


def calls_by_status(connection: Connection) -> GaugeMetricFamily:
    query = select(col(Call.status), func.count()).group_by(col(Call.status))
    counts = _counts(connection.execute(query))
    family = GaugeMetricFamily("callsight_calls", "Calls by pipeline status.", labels=["status"])
    for status in CallStatus:
        family.add_metric([status.value], counts.get(status.value, 0))
    return family


def failures_by_stage(connection: Connection) -> GaugeMetricFamily:
    """Failed calls by the stage their reason names, never by the reason's free text."""
    reason = col(Call.failure_reason)
    per_stage = {
        stage: func.count(case((or_(*(reason.startswith(p) for p in prefixes)), 1)))
        for stage, prefixes in FAILURE_PREFIXES.items()
    }
    query = select(func.count(), *per_stage.values()).where(col(Call.status) == CallStatus.FAILED)
    total, *counts = connection.execute(query).one()
    family = GaugeMetricFamily(
        "callsight_call_failures", "Failed calls by the stage that failed.", labels=["stage"]
    )
    for stage, count in zip(per_stage, counts, strict=True):
        family.add_metric([stage], count)
    family.add_metric([OTHER_FAILURE], total - sum(counts))
    return family


def crm_outbox(connection: Connection) -> list[GaugeMetricFamily]:
    """CRM writes in the outbox by status, with the attempts made and the retries among them."""
    attempts = col(CrmOutbox.attempts)
    retries = case((attempts > 1, attempts - 1), else_=0)
    query = select(
        col(CrmOutbox.status), func.count(), func.sum(attempts), func.sum(retries)
    ).group_by(col(CrmOutbox.status))
    rows = {str(row[0]): row[1:] for row in connection.execute(query)}
    families = [
        GaugeMetricFamily(
            "callsight_crm_outbox_writes", "CRM writes by status.", labels=["status"]
        ),
        GaugeMetricFamily(
            "callsight_crm_outbox_attempts",
            "Attempts made for the CRM writes, by the writes' status.",
            labels=["status"],
        ),
        GaugeMetricFamily(
            "callsight_crm_outbox_retries",
            "Attempts after a write's first, by the writes' status.",
            labels=["status"],
        ),
    ]
    for status in OutboxStatus:
        for family, value in zip(families, rows.get(status.value, (0, 0, 0)), strict=True):
            family.add_metric([status.value], float(value or 0))
    return families


def llm_usage(connection: Connection) -> list[GaugeMetricFamily]:
    """Tokens and estimated cost of the summaries kept, by engine and model."""
    query = select(
        col(Summary.engine),
        col(Summary.model),
        func.sum(col(Summary.input_tokens)),
        func.sum(col(Summary.output_tokens)),
        func.sum(col(Summary.cost_usd)),
    ).group_by(col(Summary.engine), col(Summary.model))
    tokens = GaugeMetricFamily(
        "callsight_llm_tokens",
        "Tokens of the summaries kept, by engine, model and direction.",
        labels=["engine", "model", "direction"],
    )
    cost = GaugeMetricFamily(
        "callsight_llm_cost_usd",
        "Estimated cost in US dollars of the summaries kept, by engine and model.",
        labels=["engine", "model"],
    )
    for engine, model, input_tokens, output_tokens, cost_usd in connection.execute(query):
        tokens.add_metric([engine, model, "input"], float(input_tokens or 0))
        tokens.add_metric([engine, model, "output"], float(output_tokens or 0))
        cost.add_metric([engine, model], float(cost_usd or 0))
    return [tokens, cost]


def webhook_deliveries(connection: Connection) -> GaugeMetricFamily:
    query = select(col(WebhookDelivery.status), func.count()).group_by(col(WebhookDelivery.status))
    counts = _counts(connection.execute(query))
    family = GaugeMetricFamily(
        "callsight_webhook_deliveries", "Outbound webhook deliveries by status.", labels=["status"]
    )
    for status in DeliveryStatus:
        family.add_metric([status.value], counts.get(status.value, 0))
    return family


def broker_queues(depths: dict[str, int] | None) -> list[GaugeMetricFamily]:
    """Whether the broker answered and, when it did, the jobs waiting in each queue."""
    reachable = GaugeMetricFamily(
        "callsight_broker_up", "1 when the broker answered this scrape, else 0."
    )
    reachable.add_metric([], 0 if depths is None else 1)
    depth = GaugeMetricFamily(
        "callsight_queue_depth", "Jobs waiting in each Celery queue.", labels=["queue"]
    )
    for queue, waiting in (depths or {}).items():
        depth.add_metric([queue], waiting)
    return [reachable, depth]


def _counts(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    return {str(status): int(count) for status, count in rows}
