"""The pipeline holds no database connection while the LLM answers or speech is recognised."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from agent.calls.service import CallMetadata, create_call_from_file
from agent.core.call_states import CallStatus
from agent.core.domain import TranscribeOptions, Transcript
from agent.core.ports import ProgressCallback, Transcriber
from agent.core.settings import Settings
from agent.core.tables import Call
from api.composition import build_container
from support.audio import tone, write_wav
from support.factories import make_call, said_in_turn
from support.openai_server import FakeOpenAI, Reply, fake_openai_server

LINES = [
    ("agent", "Thank you for calling Northwind, this is Sam."),
    ("customer", "My router keeps rebooting."),
    ("agent", "I will send you a replacement router by Friday."),
]
ANSWER = {
    "summary": "The router kept rebooting; a replacement ships by Friday.",
    "key_points": ["Router reboots"],
    "action_items": [],
    "resolution": {"status": "follow_up", "evidence": None, "timestamp": None},
    "sentiment": {"customer_start": "negative", "customer_end": "neutral"},
    "topics": ["router"], "issue_category": "hardware", "next_steps": [],
    "objections": [], "competitors": [], "conversation_type": "support", "deal": None,
    "issue_category_confidence": 0.9,
}  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with fake_openai_server() as server:
        yield server


def test_no_connection_is_held_while_the_language_model_answers(
    settings: Settings, engine: Engine, fake: FakeOpenAI
) -> None:
    settings = settings.model_copy(update={"llm_base_url": fake.url, "llm_model": "gpt-4o-mini"})
    container = build_container(settings)
    held_while_answering: list[int] = []

    def answer(_body: dict[str, Any]) -> Reply:
        held_while_answering.append(container.engine.pool.checkedout())
        return Reply(ANSWER)

    fake.default = answer
    with Session(engine) as session:
        call = make_call(session, status=CallStatus.SUMMARISING, transcript=said_in_turn(LINES))
        session.commit()
        call_id = call.id
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    assert held_while_answering == [0]


@dataclass
class PoolProbe:
    """Delegates to the real transcriber, noting the connections held as each run starts."""

    real: Transcriber
    engine: Engine
    held: list[int] = field(default_factory=list)

    def transcribe(
        self,
        audio_path: Path,
        options: TranscribeOptions,
        on_progress: ProgressCallback | None = None,
    ) -> Transcript:
        self.held.append(self.engine.pool.checkedout())
        return self.real.transcribe(audio_path, options, on_progress)


@pytest.mark.slow
def test_no_connection_is_held_while_speech_is_recognised(
    settings: Settings, tmp_path: Path
) -> None:
    container = build_container(settings)
    probe = PoolProbe(container.pipeline.transcriber, container.engine)
    container.pipeline.transcriber = probe
    recording = write_wav(tmp_path / "tone.wav", [tone(1.0), tone(1.0, 220.0)])
    with Session(container.engine) as session:
        call = create_call_from_file(
            session, container.store, recording, CallMetadata(), "agent,customer", 10**7
        )
        session.commit()
        call_id = call.id
    container.pipeline.advance(call_id)
    with Session(container.engine) as session:
        assert session.get_one(Call, call_id).status != CallStatus.TRANSCRIBING
    assert probe.held == [0]
