"""The FastAPI application and its start-up: migrate, wire, resume unfinished calls."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI

from agent.audit.log import PURGE_INTERVAL_S, purge_apart
from agent.core.settings import Settings
from agent.processing.runner import BackgroundLoop, Runner, ThreadPoolRunner, resume_unfinished
from agent.processing.sweeper import SweepPolicy, sweep
from api.api_docs import install_api_docs
from api.composition import Container
from api.error_responses import errors
from api.errors import install_error_json
from api.routes import audio as routes_audio
from api.routes import audit as routes_audit
from api.routes import calls as routes_calls
from api.routes import engagement as routes_engagement
from api.routes import health as routes_health
from api.routes import kpis as routes_kpis
from api.routes import subscriptions as routes_subscriptions
from api.routes import webhooks as routes_webhooks
from api.sample import queue_sample
from api.startup import start_container
from api.web.app import install_web

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, process_sample: bool = False) -> FastAPI:
    """The service; its start-up migrates the database and resumes calls left unfinished."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = start_container(settings or Settings())
        jobs = start_jobs(container)
        app.state.container, app.state.runner = container, jobs.runner
        if process_sample:
            queue_sample(container, jobs.runner)
        yield
        jobs.stop()
        container.engine.dispose()

    app = FastAPI(
        title="Callsight",
        version="0.1.0",
        summary="Call recordings in; transcripts, summaries, action items and CRM records out.",
        lifespan=lifespan,
        docs_url=None,  # served by install_api_docs, without a CDN
        redoc_url=None,
    )
    # Every route that checks an API key may answer 429 (see api.deps.get_principal).
    throttled = errors(429)
    app.include_router(routes_health.router)
    app.include_router(routes_calls.router, responses=throttled)
    app.include_router(routes_audio.router, responses=throttled)
    app.include_router(routes_webhooks.router)
    app.include_router(routes_subscriptions.router, responses=throttled)
    app.include_router(routes_kpis.router, responses=throttled)
    app.include_router(routes_engagement.router, responses=throttled)
    app.include_router(routes_audit.router)
    install_error_json(app)
    install_api_docs(app)
    install_web(app)
    return app


@dataclass
class Jobs:
    """Who runs the calls for this server, and what to stop when it ends."""

    runner: Runner
    loops: list[BackgroundLoop] = field(default_factory=list)

    def stop(self) -> None:
        for loop in self.loops:
            loop.stop()
        self.runner.shutdown()


def start_jobs(container: Container) -> Jobs:
    """The Celery queue when a broker is set (workers elsewhere run the calls), else the
    embedded runner with its housekeeping: due CRM writes, webhook deliveries, the sweeper,
    the audit log's purge, and with Salesforce the engagement sync."""
    settings = container.settings
    if settings.broker_url:
        from api.worker.celery_app import make_celery
        from api.worker.queue import CeleryCallQueue

        queue = CeleryCallQueue(make_celery(settings), container.engine, settings.broker_url)
        return Jobs(queue)
    runner = ThreadPoolRunner(container.pipeline, settings.runner_workers)
    resumed = resume_unfinished(container.pipeline, runner)
    if resumed:
        log.info("resuming %d unfinished call(s)", resumed)
    policy = SweepPolicy(stuck_after_s=settings.stuck_after_s)
    loops = [
        BackgroundLoop(
            [container.pipeline.crm_sync.flush_if_due, container.deliveries.deliver_due],
            settings.outbox_poll_s,
        ),
        BackgroundLoop(
            [lambda: sweep(container.engine, runner, policy)], settings.sweep_interval_s
        ),
        BackgroundLoop([lambda: purge_audit(container)], PURGE_INTERVAL_S),
    ]
    if container.engagement is not None:
        loops.append(BackgroundLoop([container.engagement.run_logged], settings.engagement_sync_s))
    for loop in loops:
        loop.start()
    return Jobs(runner, loops)


def purge_audit(container: Container) -> int:
    """Drop audit records past CALLSIGHT_AUDIT_RETENTION_DAYS; how many went."""
    purged = purge_apart(container.engine, container.settings.audit_retention_days)
    if purged:
        log.info("purged %d audit record(s) past the retention period", purged)
    return purged
