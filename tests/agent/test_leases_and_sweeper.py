"""Leases decide which worker works on a call; the sweeper hands on calls no live worker holds."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from agent.core.call_states import CallStatus
from agent.core.db import make_engine
from agent.core.settings import Settings
from agent.core.tables import Call, utcnow
from agent.processing.leases import LeasePolicy, acquire, held, owner_is_dead, release, renew
from agent.processing.sweeper import SweepPolicy, release_dead_leases, sweep
from support.factories import make_call

LIVE = LeasePolicy(ttl_s=60)


def _call(engine: Engine, status: CallStatus = CallStatus.QUEUED, **fields: object) -> str:
    with Session(engine) as session:
        call = make_call(session, status=status)
        for name, value in fields.items():
            setattr(call, name, value)
        session.add(call)
        session.commit()
        return call.id


def _row(engine: Engine, call_id: str) -> Call:
    with Session(engine) as session:
        return session.get_one(Call, call_id)


def _dead_owner() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:deadbeef"


def test_one_lease_per_call_until_it_expires_or_is_released(engine: Engine) -> None:
    call_id = _call(engine)
    assert acquire(engine, call_id, [CallStatus.QUEUED], "worker-a", LIVE)
    assert not acquire(engine, call_id, [CallStatus.QUEUED], "worker-b", LIVE)
    assert not renew(engine, call_id, "worker-b", LIVE)
    assert renew(engine, call_id, "worker-a", LIVE)
    assert not release(engine, call_id, "worker-b")
    assert _row(engine, call_id).lease_owner == "worker-a"
    assert release(engine, call_id, "worker-a")
    assert acquire(engine, call_id, [CallStatus.QUEUED], "worker-b", LeasePolicy(ttl_s=-1))
    # worker-b's lease is already past its deadline: anyone may take the call over.
    assert acquire(engine, call_id, [CallStatus.QUEUED], "worker-a", LIVE)
    assert _row(engine, call_id).lease_owner == "worker-a"


def test_no_lease_on_a_call_in_another_status(engine: Engine) -> None:
    call_id = _call(engine, CallStatus.DONE)
    assert not acquire(engine, call_id, [CallStatus.QUEUED], "worker-a", LIVE)
    assert not acquire(engine, "no-such-call", [CallStatus.QUEUED], "worker-a", LIVE)


def test_the_lease_is_renewed_while_held_and_released_after(engine: Engine) -> None:
    call_id = _call(engine)
    policy = LeasePolicy(ttl_s=0.3)
    with held(engine, call_id, [CallStatus.QUEUED], "worker-a", policy) as taken:
        assert taken
        first = _row(engine, call_id).lease_expires_at
        threading.Event().wait(0.5)  # past the first deadline: only renewals keep it ours
        assert not acquire(engine, call_id, [CallStatus.QUEUED], "worker-b", policy)
        assert _row(engine, call_id).lease_expires_at != first
    assert _row(engine, call_id).lease_owner is None


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_of_many_workers_racing_for_a_call_exactly_one_wins(
    engine: Engine, settings: Settings
) -> None:
    call_id = _call(engine)
    engines = [make_engine(settings.database_url) for _ in range(8)]
    start, wins = threading.Barrier(len(engines)), []

    def race(index: int) -> None:
        start.wait()
        if acquire(engines[index], call_id, [CallStatus.QUEUED], f"worker-{index}", LIVE):
            wins.append(index)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for each in engines:
        each.dispose()
    assert len(wins) == 1
    assert _row(engine, call_id).lease_owner == f"worker-{wins[0]}"


def test_a_dead_process_on_this_host_is_told_apart_from_a_live_or_remote_one() -> None:
    assert owner_is_dead(_dead_owner())
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as alive:
        assert not owner_is_dead(f"{socket.gethostname()}:{alive.pid}:x")
        alive.kill()
    assert not owner_is_dead("some-other-host:1:x")
    assert not owner_is_dead("not a lease owner")


@dataclass
class BrokerQueue:
    """The broker's side, as the sweeper sees it: what was sent, and what may still wait."""

    waiting: set[str] = field(default_factory=set)
    sent: list[str] = field(default_factory=list)

    def submit(self, call_id: str) -> None:
        self.sent.append(call_id)

    def may_hold(self, call_id: str, status: CallStatus) -> bool:
        return call_id in self.waiting


def test_the_sweeper_hands_on_calls_of_dead_workers_and_stalled_calls(engine: Engine) -> None:
    long_ago = utcnow() - dt.timedelta(minutes=10)
    expired = _call(engine, CallStatus.TRANSCRIBING, lease_owner="gone", lease_expires_at=long_ago)
    killed = _call(
        engine,
        CallStatus.SUMMARISING,
        lease_owner=_dead_owner(),
        lease_expires_at=utcnow() + dt.timedelta(minutes=1),
    )
    alive = _call(
        engine,
        CallStatus.TRANSCRIBING,
        lease_owner="remote-host:1:x",
        lease_expires_at=utcnow() + dt.timedelta(minutes=1),
        updated_at=long_ago,
    )
    lost_message = _call(engine, CallStatus.QUEUED, updated_at=long_ago)
    still_queued = _call(engine, CallStatus.QUEUED, updated_at=long_ago)
    fresh = _call(engine, CallStatus.QUEUED)
    waiting_on_crm = _call(engine, CallStatus.SYNCING, updated_at=long_ago)
    finished = _call(engine, CallStatus.DONE, updated_at=long_ago)
    queue = BrokerQueue(waiting={still_queued})

    report = sweep(engine, queue, SweepPolicy(stuck_after_s=120))

    assert sorted(report.expired) == sorted([expired, killed])
    assert report.stalled == [lost_message]
    assert sorted(queue.sent) == sorted([expired, killed, lost_message])
    assert _row(engine, expired).lease_owner is None
    assert _row(engine, killed).lease_owner is None
    assert _row(engine, alive).lease_owner == "remote-host:1:x"
    for untouched in (alive, still_queued, fresh, waiting_on_crm, finished):
        assert untouched not in queue.sent


def test_a_restart_frees_the_leases_of_this_hosts_dead_processes_only(engine: Engine) -> None:
    later = utcnow() + dt.timedelta(minutes=1)
    mine = _call(engine, CallStatus.TRANSCRIBING, lease_owner=_dead_owner(), lease_expires_at=later)
    other = _call(engine, CallStatus.TRANSCRIBING, lease_owner="b:1:x", lease_expires_at=later)
    assert release_dead_leases(engine) == [mine]
    assert _row(engine, other).lease_owner == "b:1:x"
