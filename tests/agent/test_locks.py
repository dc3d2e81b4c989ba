"""The cluster lock: one holder at a time across engines (as across processes), freed on exit."""

from __future__ import annotations

from sqlalchemy import Engine

from agent.core.db import make_engine
from agent.core.locks import try_cluster_lock
from agent.core.settings import Settings


def test_one_holder_at_a_time_and_free_again_after(engine: Engine, settings: Settings) -> None:
    other = make_engine(settings.database_url)
    try:
        with try_cluster_lock(engine, "crm-flush") as first:
            assert first
            with try_cluster_lock(other, "crm-flush") as second:
                assert not second
            with try_cluster_lock(other, "another-lock") as unrelated:
                assert unrelated
        with try_cluster_lock(other, "crm-flush") as after:
            assert after
    finally:
        other.dispose()
