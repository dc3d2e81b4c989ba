"""The model-answer cache, kept in the database so it survives restarts and is shared by workers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from agent.core.tables import LlmCache


class DbAnswerCache:
    """An ``AnswerCache`` in the ``llm_cache`` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, key: str) -> dict[str, Any] | None:
        with Session(self._engine) as session:
            row = session.get(LlmCache, key)
            return dict(row.payload) if row is not None else None

    def put(self, key: str, model: str, prompt_version: str, payload: dict[str, Any]) -> None:
        with Session(self._engine) as session:
            session.add(
                LlmCache(key=key, model=model, prompt_version=prompt_version, payload=payload)
            )
            try:
                session.commit()
            except IntegrityError:
                # Another worker stored the same answer first; theirs is as good as ours.
                session.rollback()
