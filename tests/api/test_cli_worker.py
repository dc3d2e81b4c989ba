"""`callsight worker` and `callsight scheduler` refuse to start without what they need."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from agent.core.settings import Settings


def _run(settings: Settings, *args: str, broker: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CALLSIGHT_DATA_DIR": str(settings.data_dir),
        "CALLSIGHT_DATABASE_URL": settings.database_url,
        "CALLSIGHT_BROKER_URL": broker,
    }
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", [["worker"], ["scheduler"]])
def test_workers_need_a_broker(settings: Settings, command: list[str]) -> None:
    result = _run(settings, *command)
    assert result.returncode != 0
    assert "CALLSIGHT_BROKER_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_worker_refuses_an_unknown_queue(settings: Settings) -> None:
    result = _run(settings, "worker", "--queues", "asr,gpu", broker="redis://127.0.0.1:6379/0")
    assert result.returncode == 2
    assert "choose from asr, io" in result.stderr


def test_a_broker_that_is_not_redis_is_refused_by_name(settings: Settings) -> None:
    result = _run(settings, "worker", broker="amqp://guest@localhost//")
    assert result.returncode != 0
    assert "CALLSIGHT_BROKER_URL must be a Redis URL" in result.stderr
    assert "Traceback" not in result.stderr
