"""The Celery call queue: sends a call's due stage to the queue that runs it."""

from __future__ import annotations

import logging

import redis
from celery import Celery
from sqlalchemy import Engine
from sqlmodel import Session

from agent.core.call_states import CallStatus
from agent.core.tables import Call
from api.worker.broker import STAGE_TASKS, queue_depth

log = logging.getLogger(__name__)

# A send must not hold a request for long while the broker is down: the sweeper sends again.
_SEND_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}


class CeleryCallQueue:
    """``submit`` reads the call's status and sends the task of that stage, with only its id."""

    def __init__(self, celery: Celery, engine: Engine, broker_url: str) -> None:
        self._celery, self._engine = celery, engine
        self._redis = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)

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
        try:
            return queue_depth(self._redis, task.queue) > 0
        except redis.RedisError:
            return True  # cannot tell; sending again would only pile up while the broker is away

    def shutdown(self) -> None:
        self._redis.close()
