"""The Celery application: stage tasks carrying only a call id, and the periodic housekeeping.

Each worker process builds its own adapters (database engine, models) on its first task, after
the fork, so no connection or model is shared between processes.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery, Task

from agent.audit.log import PURGE_INTERVAL_S, purge_apart
from agent.core.call_states import RESTING_STATUSES
from agent.core.settings import CrmKind, Settings
from agent.processing.pipeline import TRANSIENT_ERRORS
from agent.processing.sweeper import SweepPolicy, sweep
from api.composition import Container, build_container
from api.worker.broker import ASR_QUEUE, IO_QUEUE
from api.worker.queue import CeleryCallQueue

log = logging.getLogger(__name__)

# A task past its soft limit gets an exception it can fail the call with; the hard limit, this
# much later, kills the process.
_HARD_LIMIT_GRACE_S = 60.0


class WorkerRuntime:
    """The adapters of one worker process, built on first use in that process."""

    def __init__(self, settings: Settings, celery: Celery) -> None:
        self.settings, self.celery = settings, celery
        self._pid: int | None = None
        self._container: Container | None = None
        self._queue: CeleryCallQueue | None = None

    def container(self) -> Container:
        if self._container is None or self._pid != os.getpid():
            self._container = build_container(self.settings)
            self._queue = CeleryCallQueue(
                self.celery, self._container.engine, self.settings.broker_url
            )
            self._pid = os.getpid()
        return self._container

    def queue(self) -> CeleryCallQueue:
        self.container()
        assert self._queue is not None
        return self._queue

    def run_stage(self, call_id: str) -> str | None:
        """Run the call's due stage; send the next one once this one's commit is done."""
        pipeline = self.container().pipeline
        before = pipeline.status_of(call_id)
        after = pipeline.run_stage(call_id)
        if after is not None and after != before and after not in RESTING_STATUSES:
            self.queue().submit(call_id)
        return after.value if after is not None else None

    def flush_crm(self) -> None:
        self.container().pipeline.crm_sync.flush_if_due()

    def deliver_webhooks(self) -> None:
        self.container().deliveries.deliver_due()

    def purge_audit(self) -> int:
        container = self.container()
        return purge_apart(container.engine, self.settings.audit_retention_days)

    def sync_engagement(self) -> None:
        engagement = self.container().engagement
        if engagement is not None:
            engagement.run_logged()

    def sweep(self) -> list[str]:
        container = self.container()
        policy = SweepPolicy(stuck_after_s=self.settings.stuck_after_s)
        return sweep(container.engine, self.queue(), policy).resubmitted


def make_celery(settings: Settings) -> Celery:
    """The application for ``settings``: broker, queues, reliability options, tasks, schedule."""
    if not settings.broker_url:
        raise ValueError("CALLSIGHT_BROKER_URL is not set; workers need a Redis broker")
    celery = Celery("callsight", broker=settings.broker_url, set_as_current=False)
    longest_s = max(settings.asr_time_limit_s, settings.io_time_limit_s) + _HARD_LIMIT_GRACE_S
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=IO_QUEUE,
        broker_connection_retry_on_startup=True,
        # Longer than the longest stage, or Redis would hand a running task to a second worker.
        broker_transport_options={"visibility_timeout": int(longest_s + 600)},
        timezone="UTC",
        beat_schedule=_schedule(settings),
        beat_schedule_filename=str(_beat_file(settings)),
    )
    _register_tasks(celery, WorkerRuntime(settings, celery))
    return celery


def _register_tasks(celery: Celery, runtime: WorkerRuntime) -> None:
    settings = runtime.settings
    retrying: dict[str, Any] = {
        # Not shared: Celery would otherwise hand these closures, bound to this runtime, to every
        # app made later in the process (tests make several, each on its own database).
        "shared": False,
        "bind": True,
        "autoretry_for": TRANSIENT_ERRORS,
        "retry_backoff": True,
        "retry_backoff_max": 300,
        "retry_jitter": True,
        "max_retries": settings.task_max_retries,
    }
    stages = (
        ("callsight.transcribe", ASR_QUEUE, settings.asr_time_limit_s),
        ("callsight.summarise", IO_QUEUE, settings.io_time_limit_s),
        ("callsight.sync", IO_QUEUE, settings.io_time_limit_s),
    )
    routes: dict[str, dict[str, str]] = {}
    for name, queue, limit_s in stages:

        def stage(task: Task, call_id: str) -> str | None:
            return runtime.run_stage(call_id)

        routes[name] = {"queue": queue}
        celery.task(
            name=name,
            soft_time_limit=limit_s,
            time_limit=limit_s + _HARD_LIMIT_GRACE_S,
            **retrying,
        )(stage)
    # Queues by route (the task's own `queue` attribute is deprecated): a retry goes back there.
    celery.conf.task_routes = routes
    housekeeping = {"time_limit": settings.io_time_limit_s, "shared": False}

    def flush_crm() -> None:
        runtime.flush_crm()

    def deliver_webhooks() -> None:
        runtime.deliver_webhooks()

    def sweep_calls() -> list[str]:
        return runtime.sweep()

    celery.task(name="callsight.flush_crm", **housekeeping)(flush_crm)
    celery.task(name="callsight.deliver_webhooks", **housekeeping)(deliver_webhooks)
    celery.task(name="callsight.sweep", **housekeeping)(sweep_calls)

    def purge_audit() -> int:
        return runtime.purge_audit()

    celery.task(name="callsight.purge_audit", **housekeeping)(purge_audit)

    def sync_engagement() -> None:
        runtime.sync_engagement()

    celery.task(name="callsight.sync_engagement", **housekeeping)(sync_engagement)


def _schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    def every(task: str, seconds: float) -> dict[str, Any]:
        # A run that could not start within its period is dropped: the next one does its work.
        return {
            "task": task,
            "schedule": seconds,
            "options": {"queue": IO_QUEUE, "expires": seconds},
        }

    schedule = {
        "crm-outbox": every("callsight.flush_crm", settings.outbox_poll_s),
        "webhook-deliveries": every("callsight.deliver_webhooks", settings.outbox_poll_s),
        "sweeper": every("callsight.sweep", settings.sweep_interval_s),
        "audit-purge": every("callsight.purge_audit", PURGE_INTERVAL_S),
    }
    if settings.crm == CrmKind.SALESFORCE:
        schedule["crm-engagement"] = every("callsight.sync_engagement", settings.engagement_sync_s)
    return schedule


def _beat_file(settings: Settings) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.data_dir / "celerybeat-schedule"
