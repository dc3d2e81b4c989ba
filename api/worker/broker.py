"""The broker's queues, and which stage goes to which."""

from __future__ import annotations

from dataclasses import dataclass

from agent.core.call_states import CallStatus

ASR_QUEUE = "asr"
IO_QUEUE = "io"
QUEUES = (ASR_QUEUE, IO_QUEUE)


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
