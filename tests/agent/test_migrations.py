from __future__ import annotations

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
