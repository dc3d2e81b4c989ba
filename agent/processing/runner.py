"""Job runners: who runs the pipeline's stages, and where.

The embedded runner is a thread pool inside the server. A runner only needs ``submit(call_id)``,
so a Celery runner can send the same call ids to workers that run ``Pipeline.advance``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqlmodel import Session, col, select

from agent.core.call_states import UNFINISHED_STATUSES
from agent.core.tables import Call
from agent.processing.pipeline import Pipeline

log = logging.getLogger(__name__)


class Runner(Protocol):
    def submit(self, call_id: str) -> None: ...

    def shutdown(self) -> None: ...


class ThreadPoolRunner:
    """Runs calls on a few threads; a call already queued or running here is not queued twice."""

    def __init__(self, pipeline: Pipeline, workers: int) -> None:
        self._pipeline = pipeline
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="callsight-job")
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def submit(self, call_id: str) -> None:
        with self._lock:
            if call_id in self._in_flight:
                return
            self._in_flight.add(call_id)
        self._executor.submit(self._run, call_id)

    def _run(self, call_id: str) -> None:
        try:
            status = self._pipeline.advance(call_id)
            log.info("call %s rests in %s", call_id, status.value)
        except Exception:
            log.exception("call %s: runner error", call_id)
        finally:
            with self._lock:
                self._in_flight.discard(call_id)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def unfinished_call_ids(pipeline: Pipeline) -> list[str]:
    """Calls a previous process left mid-way, oldest first."""
    statuses = [status.value for status in UNFINISHED_STATUSES]
    with Session(pipeline.engine) as session:
        query = select(Call.id).where(col(Call.status).in_(statuses)).order_by(col(Call.created_at))
        return list(session.exec(query))


def resume_unfinished(pipeline: Pipeline, runner: Runner) -> int:
    """Queue every unfinished call again; returns how many."""
    call_ids = unfinished_call_ids(pipeline)
    for call_id in call_ids:
        runner.submit(call_id)
    return len(call_ids)


class BackgroundLoop:
    """Runs a few housekeeping tasks every ``interval_s`` seconds on one thread: CRM writes that
    are due again after a backoff, and outbound webhook deliveries."""

    def __init__(self, tasks: Sequence[Callable[[], object]], interval_s: float) -> None:
        self._tasks, self._interval_s = list(tasks), interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="callsight-loop", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            for task in self._tasks:
                try:
                    task()
                except Exception:
                    log.exception("background task %s failed", getattr(task, "__name__", task))
