"""The embedded job runner: a thread pool inside the server, and a housekeeping thread.

A runner only needs ``submit(call_id)``; with a broker configured, the Celery queue in
``api/worker`` takes its place and workers on other hosts run the same stages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqlmodel import Session, col, select

from agent.core.call_states import UNFINISHED_STATUSES, CallStatus
from agent.core.tables import Call
from agent.processing.pipeline import Pipeline
from agent.processing.sweeper import release_dead_leases

log = logging.getLogger(__name__)


class Runner(Protocol):
    def submit(self, call_id: str) -> None: ...

    def shutdown(self) -> None: ...


class ThreadPoolRunner:
    """Runs calls on a few threads. A call submitted while it is queued or running here is not
    queued twice, but it is run once more when the current run ends: the submission may come
    from a change (a retry) the current run has already passed by."""

    def __init__(self, pipeline: Pipeline, workers: int) -> None:
        self._pipeline = pipeline
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="callsight-job")
        self._in_flight: set[str] = set()
        self._again: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def submit(self, call_id: str) -> None:
        with self._lock:
            if call_id in self._in_flight:
                self._again.add(call_id)
                return
            self._in_flight.add(call_id)
        self._executor.submit(self._run, call_id)

    def may_hold(self, call_id: str, status: CallStatus) -> bool:
        with self._lock:
            return call_id in self._in_flight

    def _run(self, call_id: str) -> None:
        try:
            status = self._pipeline.advance(call_id, keep_going=self._running)
            log.info("call %s stands in %s", call_id, status.value)
        except Exception:
            log.exception("call %s: runner error; the sweeper sends it again", call_id)
        finally:
            self._finish(call_id)

    def _finish(self, call_id: str) -> None:
        with self._lock:
            if call_id not in self._again:
                self._in_flight.discard(call_id)
                return
            self._again.discard(call_id)
        try:
            self._executor.submit(self._run, call_id)
        except RuntimeError:  # shutting down; the next start resumes the call
            with self._lock:
                self._in_flight.discard(call_id)

    def _running(self) -> bool:
        return not self._stopping.is_set()

    def shutdown(self) -> None:
        """Drop the queued calls and wait for the running ones to finish the stage they are in.
        The process would wait for those threads at exit anyway; waiting here keeps them from
        outliving the server's database engine. The next start resumes every unfinished call."""
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)


def unfinished_call_ids(pipeline: Pipeline) -> list[str]:
    """Calls a previous process left mid-way, oldest first."""
    statuses = [status.value for status in UNFINISHED_STATUSES]
    with Session(pipeline.engine) as session:
        query = select(Call.id).where(col(Call.status).in_(statuses)).order_by(col(Call.created_at))
        return list(session.exec(query))


def resume_unfinished(pipeline: Pipeline, runner: Runner) -> int:
    """Queue every unfinished call again, freeing the leases of this host's dead processes
    first; returns how many."""
    release_dead_leases(pipeline.engine)
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
