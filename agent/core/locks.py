"""Locks held across processes and hosts for work that must not run twice at once.

On PostgreSQL a session-level advisory lock on a connection of its own, outside the engine's
pool (the lock is held while the CRM answers, and the pool's connections are for short
transactions only); on SQLite, whose users all share one host, an ``flock`` on a file beside the
database. Both vanish with the process that holds them, so a killed worker never leaves one
behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

_lock_engines: dict[str, Engine] = {}


def _key(name: str) -> int:
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def try_cluster_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yields True while this process holds the lock called ``name``, False when another does."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, _key(name)) as taken:
            yield taken
        return
    with _file_lock(_lock_path(engine, name)) as taken:
        yield taken


def _unpooled(engine: Engine) -> Engine:
    name = engine.url.render_as_string(hide_password=False)
    if name not in _lock_engines:
        _lock_engines[name] = create_engine(engine.url, poolclass=NullPool)
    return _lock_engines[name]


@contextmanager
def _advisory_lock(engine: Engine, key: int) -> Iterator[bool]:
    with _unpooled(engine).connect() as connection:
        taken = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        )
        connection.commit()
        try:
            yield taken
        finally:
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()


def _lock_path(engine: Engine, name: str) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.{name}.lock")


@contextmanager
def _file_lock(path: Path | None) -> Iterator[bool]:
    if path is None:
        yield True
        return
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
