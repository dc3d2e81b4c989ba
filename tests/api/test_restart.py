"""Killing the server mid-transcription and starting it again finishes the call, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.db import upgrade
from agent.core.settings import Settings
from agent.core.tables import ActionItem, Call, CrmOutbox, TranscriptSegment
from integrations.local_crm import LocalCrmRecord
from support.factories import count_rows
from support.keys import make_token
from support.polling import wait_for
from support.samples import SAMPLE_CALL
from support.server import Server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    upgrade(settings.database_url)
    running = Server(settings, tmp_path / "server.log")
    yield running
    running.stop()


def test_a_killed_server_finishes_the_call_once_after_restart(
    server: Server, settings: Settings, engine: Engine
) -> None:
    headers = {"Authorization": f"Bearer {make_token(settings, Role.ADMIN, 'Ada')}"}
    server.start()
    with SAMPLE_CALL.open("rb") as audio:
        created = httpx.post(
            f"{server.url}/api/v1/calls", headers=headers, files={"file": (SAMPLE_CALL.name, audio)}
        )
    assert created.status_code == 201, created.text
    call_url = f"{server.url}/api/v1/calls/{created.json()['id']}"

    def status() -> str:
        return str(httpx.get(call_url, headers=headers).json()["status"])

    wait_for(lambda: status() == "transcribing", timeout=30, interval=0.05)
    server.kill()
    with Session(engine) as session:
        assert session.get_one(Call, created.json()["id"]).status == "transcribing"

    server.start()
    wait_for(lambda: status() in {"done", "failed"}, timeout=180)
    call = httpx.get(call_url, headers=headers).json()
    assert call["status"] == "done", call["failure_reason"]
    with Session(engine) as session:
        call_id = call["id"]
        assert count_rows(session, Call) == 1
        segments = count_rows(session, TranscriptSegment, call_id=call_id)
        assert segments == len(call["transcript"]["segments"]) > 10
        turns = [(s["start"], s["speaker"]) for s in call["transcript"]["segments"]]
        assert len(turns) == len(set(turns))
        items = count_rows(session, ActionItem, call_id=call_id)
        assert items == len(call["action_items"]) >= 1
        assert count_rows(session, CrmOutbox, call_id=call_id) == 1 + items
        assert count_rows(session, LocalCrmRecord) == 1 + items
