"""Leases on calls: the one worker working on a call says so in the call's row, until a deadline.

A worker takes the lease with one compare-and-set ``UPDATE``, so of two workers racing for a call
exactly one wins, on SQLite and on PostgreSQL alike. While a stage runs, a thread renews the lease;
a worker that dies stops renewing, and once the deadline passes the sweeper hands the call on.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, and_, or_, update
from sqlmodel import col

from agent.core.call_states import CallStatus
from agent.core.tables import Call, utcnow

log = logging.getLogger(__name__)


def worker_name() -> str:
    """This process's name in a lease: host, process id and a random part (pids get reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str, host: str | None = None) -> bool:
    """True when ``owner`` names a process on this host that no longer runs.

    A lease of a process on another host can only expire; here the kernel can tell at once.
    """
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != (host or socket.gethostname()):
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@dataclass(frozen=True)
class LeasePolicy:
    """How long a lease lasts without renewal, and how often a holder renews it."""

    ttl_s: float = 60.0

    @property
    def renew_every_s(self) -> float:
        return self.ttl_s / 3

    def deadline(self) -> dt.datetime:
        return utcnow() + dt.timedelta(seconds=self.ttl_s)


def acquire(
    engine: Engine, call_id: str, statuses: Iterable[CallStatus], owner: str, policy: LeasePolicy
) -> bool:
    """Take the lease on a call in one of ``statuses`` that no live lease holds; True if taken."""
    now = utcnow()
    free = or_(
        col(Call.lease_owner).is_(None),
        col(Call.lease_expires_at).is_(None),
        col(Call.lease_expires_at) < now,
        col(Call.lease_owner) == owner,
    )
    wanted = [status.value for status in statuses]
    statement = (
        update(Call)
        .where(and_(col(Call.id) == call_id, col(Call.status).in_(wanted), free))
        .values(lease_owner=owner, lease_expires_at=policy.deadline())
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def renew(engine: Engine, call_id: str, owner: str, policy: LeasePolicy) -> bool:
    """Push the deadline on; False when the lease is no longer ours."""
    statement = (
        update(Call)
        .where(and_(col(Call.id) == call_id, col(Call.lease_owner) == owner))
        .values(lease_expires_at=policy.deadline())
    )
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def release(engine: Engine, call_id: str, owner: str | None = None) -> bool:
    """Give the lease up (``owner`` None: whoever holds it); True when one was released."""
    condition = col(Call.id) == call_id
    if owner is not None:
        condition = and_(condition, col(Call.lease_owner) == owner)
    statement = update(Call).where(condition).values(lease_owner=None, lease_expires_at=None)
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


class _Renewer:
    """Renews a lease on a thread until stopped; remembers if a renewal found it gone."""

    def __init__(self, engine: Engine, call_id: str, owner: str, policy: LeasePolicy) -> None:
        self.engine, self.call_id, self.owner, self.policy = engine, call_id, owner, policy
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{call_id}", daemon=True)

    def __enter__(self) -> _Renewer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.policy.renew_every_s):
            try:
                if not renew(self.engine, self.call_id, self.owner, self.policy):
                    self.lost = True
                    log.warning("call %s: lease lost to another worker", self.call_id)
                    return
            except Exception:
                # The database may be back before the deadline; the next round tries again.
                log.warning("call %s: could not renew the lease", self.call_id, exc_info=True)


@contextmanager
def held(
    engine: Engine, call_id: str, statuses: Iterable[CallStatus], owner: str, policy: LeasePolicy
) -> Iterator[bool]:
    """Hold the lease on a call for the block, renewing it; yields False when it is taken."""
    if not acquire(engine, call_id, statuses, owner, policy):
        yield False
        return
    try:
        with _Renewer(engine, call_id, owner, policy):
            yield True
    finally:
        try:
            release(engine, call_id, owner)
        except Exception:
            # Unreleased, it expires; the sweeper hands the call on then.
            log.warning("call %s: could not release the lease", call_id, exc_info=True)
