from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from agent.core.db import alembic_config, upgrade


def columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_transcription_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    added = {"asr_language", "hotwords", "initial_prompt", "speaker_roles", "metrics"}
    assert added <= columns(url, "call")
    assert "words" in columns(url, "transcript_segment")
    command.downgrade(alembic_config(url), "0001")
    assert not added & columns(url, "call")
    assert "words" not in columns(url, "transcript_segment")
    upgrade(url)
    assert added <= columns(url, "call")


CHECK_IN_A_FRESH_PROCESS = """
import sys
from alembic import command
from agent.core.db import alembic_config, upgrade
upgrade(sys.argv[1])
command.check(alembic_config(sys.argv[1]))
"""


def test_the_migrations_build_exactly_the_schema_the_models_describe(tmp_path: Path) -> None:
    # A fresh interpreter: the migration environment itself must register every model.
    url = f"sqlite:///{tmp_path / 'check.db'}"
    run = [sys.executable, "-c", CHECK_IN_A_FRESH_PROCESS, url]
    result = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_insights_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'insights.db'}"
    upgrade(url)
    added = {"conversation_type", "deal_signal", "deal_evidence", "issue_category_confidence"}
    assert added <= columns(url, "summary")
    assert "conversation_type" in columns(url, "call")
    command.downgrade(alembic_config(url), "0009")
    assert not added & columns(url, "summary")
    assert "conversation_type" not in columns(url, "call")
    upgrade(url)
    assert added <= columns(url, "summary")


def test_channel_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    upgrade(url)
    assert "channel" in columns(url, "call") & columns(url, "contact")
    command.downgrade(alembic_config(url), "0012")
    assert "channel" not in columns(url, "call") | columns(url, "contact")
    upgrade(url)
    assert "channel" in columns(url, "call") & columns(url, "contact")
