"""The Celery call queue: sends a call's due stage to the queue that runs it."""

from __future__ import annotations

import logging
import time

from celery import Celery
from sqlalchemy import Engine
from sqlmodel import Session

from agent.core.call_states import CallStatus
from agent.core.tables import Call
from api.worker.broker import QUEUES, STAGE_TASKS
from integrations.broker_queues import RedisQueueDepths

log = logging.getLogger(__name__)

# A send must not hold a request for long while the broker is down: the sweeper sends again.
_SEND_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}


class CeleryCallQueue:
    """``submit`` reads the call's status and sends the task of that stage, with only its id."""

    def __init__(self, celery: Celery, engine: Engine, broker_url: str) -> None:
        self._celery, self._engine = celery, engine
        self._depths = RedisQueueDepths(broker_url, QUEUES)
        self._last_read: tuple[float, dict[str, int] | None] = (0.0, None)

    def submit(self, call_id: str) -> None:
        with Session(self._engine) as session:
            call = session.get(Call, call_id)
            status = CallStatus(call.status) if call is not None else None
        task = STAGE_TASKS.get(status) if status is not None else None
        if task is None:
            return
        try:
            self._celery.send_task(
                task.name, args=[call_id], queue=task.queue, retry=True, retry_policy=_SEND_RETRY
            )
        except Exception as error:
            log.warning(
                "call %s: not sent to the %s queue (%s); the sweeper sends it",
                call_id,
                task.queue,
                error,
            )

    def may_hold(self, call_id: str, status: CallStatus) -> bool:
        """True while the stage's queue holds any message: one of them may be this call's."""
        task = STAGE_TASKS.get(status)
        if task is None:
            return False
        depths = self._queue_depths()
        if depths is None:
            return True  # cannot tell; sending again would only pile up while the broker is away
        return depths.get(task.queue, 0) > 0

    def _queue_depths(self) -> dict[str, int] | None:
        """The queues' lengths, read at most once a second (a sweep asks for each call)."""
        read_at, depths = self._last_read
        if time.monotonic() - read_at > 1.0:
            depths = self._depths.read()
            self._last_read = (time.monotonic(), depths)
        return depths

    def shutdown(self) -> None:
        """Nothing to stop: sending opens connections from Celery's pool as needed."""
