"""Killing the server mid-transcription and starting it again finishes the call, once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.db import upgrade
from agent.keys import Role
from agent.settings import Settings
from agent.tables import ActionItem, Call, CrmOutbox, TranscriptSegment
from conftest import SAMPLE_CALL, make_token
from integrations.local_crm import LocalCrmRecord
from support import wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``callsight serve`` in its own process, as a user would run it."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {
            **os.environ,
            "CALLSIGHT_DATA_DIR": str(settings.data_dir),
            "CALLSIGHT_DATABASE_URL": settings.database_url,
        }
        self._log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "api", "serve", "--port", str(self.port)]
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=self._env, stdout=log, stderr=log)
        wait_for(self._ready, timeout=60)

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"server exited: {self._log_path.read_text()}")
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    upgrade(settings.database_url)
    running = Server(settings, tmp_path / "server.log")
    yield running
    running.stop()


def _count(session: Session, model: type, **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return int(session.exec(query).one())


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
        assert _count(session, Call) == 1
        segments = _count(session, TranscriptSegment, call_id=call_id)
        assert segments == len(call["transcript"]["segments"]) > 10
        turns = [(s["start"], s["speaker"]) for s in call["transcript"]["segments"]]
        assert len(turns) == len(set(turns))
        items = _count(session, ActionItem, call_id=call_id)
        assert items == len(call["action_items"]) >= 1
        assert _count(session, CrmOutbox, call_id=call_id) == 1 + items
        assert _count(session, LocalCrmRecord) == 1 + items
