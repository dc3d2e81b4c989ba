"""The ``callsight`` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from agent.keys import authenticate
from agent.settings import Settings
from conftest import SAMPLE_CALL


def callsight(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CALLSIGHT_DATA_DIR": str(settings.data_dir),
        "CALLSIGHT_DATABASE_URL": settings.database_url,
    }
    executable = shutil.which("callsight", path=str(Path(sys.executable).parent))
    command = [executable] if executable else [sys.executable, "-m", "api"]
    return subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_process_prints_the_finished_call_as_json(settings: Settings) -> None:
    result = callsight(
        settings, "process", str(SAMPLE_CALL), "--json", "--started-at", "2026-11-18T10:00:00"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    call = json.loads(lines[0])
    assert call["status"] == "done"
    assert {s["speaker"] for s in call["transcript"]["segments"]} == {"agent", "customer"}
    assert call["summary"]["text"]
    assert any(item["due_date"] == "2026-11-20" for item in call["action_items"])
    assert "First start: an admin API key" in result.stderr


def test_process_refuses_non_audio_and_says_why(settings: Settings, tmp_path: Path) -> None:
    notes = tmp_path / "notes.wav"
    notes.write_text("not a recording")
    result = callsight(settings, "process", str(notes))
    assert result.returncode == 1
    assert "notes.wav" in result.stderr and "not an audio recording" in result.stderr
    assert result.stdout == ""


def test_process_needs_an_existing_file(settings: Settings, tmp_path: Path) -> None:
    result = callsight(settings, "process", str(tmp_path / "missing.wav"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_keys_create_prints_a_working_key(settings: Settings, engine: Engine) -> None:
    result = callsight(settings, "keys", "create", "--role", "lead", "--name", "Lee")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    with Session(engine) as session:
        principal = authenticate(session, token)
    assert principal is not None and principal.role.value == "lead"
    bad_role = callsight(settings, "keys", "create", "--role", "king", "--name", "x")
    assert bad_role.returncode == 2 and "king" in bad_role.stderr


def test_db_upgrade_hides_the_password(settings: Settings) -> None:
    result = callsight(settings, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "database at revision head" in result.stdout


def test_a_bad_setting_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    env_settings = settings.model_copy()
    os.environ["CALLSIGHT_CHANNEL_MAP"] = "left,right"
    try:
        result = callsight(env_settings, "db", "upgrade")
    finally:
        del os.environ["CALLSIGHT_CHANNEL_MAP"]
    assert result.returncode == 1
    assert "channel map must name 'agent' and 'customer'" in result.stderr
