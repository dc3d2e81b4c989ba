"""Fifty slow uploads must not hold fifty database connections: the key is checked in a
transaction of its own, and the call is written only once the body is in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from agent.auth.keys import Role
from agent.core.db import upgrade
from agent.core.settings import Settings
from support.keys import make_token
from support.samples import SAMPLE_CALL
from support.server import Server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
    ),
]


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    upgrade(settings.database_url)
    running = Server(settings, tmp_path / "server.log")
    running.start()
    yield running
    running.stop()


def _open_transactions(engine: Engine) -> int:
    admin = create_engine(engine.url.set(database="postgres"))
    try:
        with admin.connect() as connection:
            query = text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = :db AND state = 'idle in transaction'"
            )
            return int(connection.execute(query, {"db": engine.url.database}).scalar_one())
    finally:
        admin.dispose()


def test_an_upload_holds_no_transaction_while_its_body_streams(
    server: Server, settings: Settings, engine: Engine
) -> None:
    headers = {"Authorization": f"Bearer {make_token(settings, Role.ADMIN, 'Ada')}"}
    boundary = "callsight-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="call.flac"\r\n'
        "Content-Type: audio/flac\r\n\r\n"
    ).encode()
    audio = SAMPLE_CALL.read_bytes()
    seen: list[int] = []

    def body() -> Iterator[bytes]:
        yield head + audio[:65536]
        time.sleep(1.0)  # the server has read the headers, checked the key, and waits for more
        seen.append(_open_transactions(engine))
        yield audio[65536:] + f"\r\n--{boundary}--\r\n".encode()

    answer = httpx.post(
        f"{server.url}/api/v1/calls",
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    assert seen == [0]
