"""The broker's queues: which stage goes where, and how many messages wait in each."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from agent.core.call_states import CallStatus

ASR_QUEUE = "asr"
IO_QUEUE = "io"
QUEUES = (ASR_QUEUE, IO_QUEUE)

# kombu's Redis transport keeps a queue as a list under its name, and a list per priority step
# under the name, this separator and the step (its ``priority_steps``: 0, 3, 6, 9).
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


@dataclass(frozen=True)
class StageTask:
    name: str
    queue: str


STAGE_TASKS = {
    CallStatus.QUEUED: StageTask("callsight.transcribe", ASR_QUEUE),
    CallStatus.TRANSCRIBING: StageTask("callsight.transcribe", ASR_QUEUE),
    CallStatus.SUMMARISING: StageTask("callsight.summarise", IO_QUEUE),
    CallStatus.SYNCING: StageTask("callsight.sync", IO_QUEUE),
}


def queue_keys(queue: str) -> list[str]:
    return [queue] + [f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS]


def queue_depth(client: redis.Redis, queue: str) -> int:
    """Messages waiting in ``queue`` (not those a worker has taken and not yet acknowledged)."""
    with client.pipeline(transaction=False) as pipe:
        for key in queue_keys(queue):
            pipe.llen(key)
        return sum(int(length) for length in pipe.execute())
