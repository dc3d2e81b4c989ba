"""A server that stops lets the stage in progress finish, starts no further stage, and leaves
the call for the next start to resume."""

from __future__ import annotations

from pathlib import Path

from faster_whisper.audio import decode_audio
from sqlalchemy import Engine
from sqlmodel import Session

from agent.calls.service import CallMetadata, create_call_from_file
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import Call
from agent.processing.runner import ThreadPoolRunner, resume_unfinished
from api.startup import start_container
from support.audio import write_wav
from support.polling import wait_for
from support.samples import SAMPLE_CALL

RATE = 16_000


def status_of(engine: Engine, call_id: str) -> CallStatus:
    with Session(engine) as session:
        return CallStatus(session.get_one(Call, call_id).status)


def test_shutdown_mid_transcription_ends_that_stage_only_and_a_restart_finishes_the_call(
    settings: Settings, tmp_path: Path
) -> None:
    left, right = decode_audio(str(SAMPLE_CALL), split_stereo=True)
    clip = write_wav(tmp_path / "greeting.wav", [left[: RATE * 14], right[: RATE * 14]])
    container = start_container(settings)
    with Session(container.engine) as session:
        call = create_call_from_file(
            session, container.store, clip, CallMetadata(), "agent,customer", 10**8
        )
        session.commit()
        call_id = call.id
    first = ThreadPoolRunner(container.pipeline, workers=1)
    second = ThreadPoolRunner(container.pipeline, workers=1)
    try:
        first.submit(call_id)
        wait_for(
            lambda: status_of(container.engine, call_id) == CallStatus.TRANSCRIBING,
            interval=0.02,
        )
        first.shutdown()
        # Transcription finished; summarising, the next stage, never began.
        assert status_of(container.engine, call_id) == CallStatus.SUMMARISING
        with Session(container.engine) as session:
            assert session.get_one(Call, call_id).lease_owner is None

        assert resume_unfinished(container.pipeline, second) == 1
        wait_for(lambda: status_of(container.engine, call_id) == CallStatus.DONE, timeout=120)
    finally:
        first.shutdown()  # no job of this test outlives it, whatever failed
        second.shutdown()
        container.engine.dispose()
