"""Salesforce API requests per written record, in a burst of calls and in steady traffic.

Usage: python bench/crm.py [--calls 1000] [--items 3] [--fail-rate 0.3]
                           [--steady-calls 600] [--window-s W] [--windows 5,15,30,45]
                           [--scenario all|burst|steady]

Starts the test suite's Salesforce REST emulator on loopback (HTTPS, a CA made for the run) and
fresh SQLite databases of summarised calls with ``--items`` action items each (every fifth call is
about a known case, so it also updates the Case and adds a comment).

Burst of ``--calls`` (every call waiting before the first flush):
1. one request per record: each record upserted with its own simple-salesforce request;
2. Callsight: the CRM sync (batched matching, sObject Collections of 200);
3. Callsight again on a fresh org with ``--fail-rate`` of API requests failing at random
   (503, 403 REQUEST_LIMIT_EXCEEDED, 401 INVALID_SESSION_ID), drained until every call is done,
   then every record checked to exist exactly once.

Steady traffic: ``--steady-calls`` calls finishing one per second. Each finished call goes
through the pipeline's real sync stage (``Pipeline.run_stage``), and the outbox's periodic flush
runs every ``outbox_poll_s`` as the embedded runner's loop does, on a simulated clock injected
into ``CrmSync`` and the adapter's caches (ten minutes of traffic take seconds, nothing sleeps):
1. flush per call, as before issue 12 (a batch window of 0: each sync stage flushes at once);
2. Callsight with the default batch window and record threshold (and each of ``--windows``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import trustme
from simple_salesforce.api import Salesforce
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from agent.core.call_states import CallStatus, move
from agent.core.db import make_engine, upgrade
from agent.core.settings import Settings
from agent.core.tables import Call, CrmOutbox
from agent.crm.sync import BatchPolicy, CrmSync, RetryPolicy
from agent.processing.pipeline import Pipeline
from integrations.local_storage import LocalAudioStore
from integrations.salesforce import (
    ClientCredentials,
    SalesforceConnection,
    SalesforceCrm,
)
from support.factories import make_call_ready_for_crm
from support.salesforce_emulator import SalesforceEmulator


@dataclass(frozen=True)
class Result:
    name: str
    calls: int
    records: int
    requests: int
    wall_s: float
    note: str = ""

    @property
    def per_record(self) -> float:
        return self.requests / self.records if self.records else float("nan")

    def line(self, target: float | None = None) -> str:
        per_call = self.requests / self.calls if self.calls else float("nan")
        verdict = ""
        if target is not None:
            verdict = "meets target; " if self.per_record <= target else "MISSES target; "
        return (
            f"{self.name:44} {self.records:7} {self.requests:8} {per_call:8.3f} "
            f"{self.per_record:10.4f} {self.wall_s:7.1f}  {verdict}{self.note}"
        )


HEADER = (
    f"{'run':44} {'records':>7} {'requests':>8} {'req/call':>8} {'req/record':>10} "
    f"{'wall_s':>7}  notes"
)
DEFAULTS = {name: field.default for name, field in Settings.model_fields.items()}
BURST_TARGET, STEADY_TARGET = 0.01, 0.05


def https_session(ca: trustme.CA, folder: Path) -> requests.Session:
    bundle = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE would replace the run's CA
    session.verify = str(bundle)
    return session


def new_org(ca: trustme.CA, calls: int, seed: int = 1) -> tuple[SalesforceEmulator, list[str]]:
    org = SalesforceEmulator(ca, seed=seed).start()
    numbers = []
    for n in range(calls):
        contact = org.add("Contact", LastName=f"Customer {n}", Email=f"customer{n}@bench.test")
        if n % 5 == 0:
            case = org.add("Case", Status="New", ContactId=contact, CaseNumber=f"{n + 1:08d}")
            numbers.append(str(org.records["Case"][case]["CaseNumber"]))
    org.add("User", Email="agent@bench.test", IsActive=True)
    return org, numbers


def seed_database(
    url: str, calls: int, items: int, status: CallStatus = CallStatus.SYNCING
) -> list[str]:
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        call_ids = [
            make_call_ready_for_crm(
                session,
                email=f"customer{n}@bench.test",
                case_ref=f"{n + 1:08d}" if n % 5 == 0 else None,
                agent_email="agent@bench.test",
                items=items,
                status=status,
            )
            for n in range(calls)
        ]
    engine.dispose()
    return call_ids


def callsight(
    org: SalesforceEmulator, session: requests.Session, url: str, batching: BatchPolicy
) -> CrmSync:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    crm = SalesforceCrm(SalesforceConnection(auth, session, timeout_s=30))
    policy = RetryPolicy(base_s=0.05, cap_s=1.0, max_attempts=50)
    return CrmSync(make_engine(url), crm, policy=policy, rng=random.Random(3), batching=batching)


def drain(sync: CrmSync) -> None:
    while waiting(sync.engine):
        sync.flush_if_due()
        time.sleep(0.02)


def written(url: str) -> list[CrmOutbox]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = list(session.exec(select(CrmOutbox).order_by(col(CrmOutbox.id))))
    engine.dispose()
    return rows


def one_per_record(ca: trustme.CA, session: requests.Session, rows: list[CrmOutbox]) -> Result:
    org, _ = new_org(ca, len({r.call_id for r in rows}))
    token = org.issue_token(
        {
            "grant_type": "client_credentials",
            "client_id": org.client_id,
            "client_secret": org.client_secret,
        }
    )[1]
    sf = Salesforce(instance_url=org.url, session_id=token["access_token"], session=session)
    started = time.perf_counter()
    for row in rows:  # the orgs are built alike, so the payloads' record ids exist here too
        fields = dict(row.payload)
        if row.object_type == "Task":
            sf.Task.upsert(f"Callsight_Id__c/{row.external_id}", fields)
        elif row.object_type == "Case":
            sf.Case.update(str(fields.pop("Id")), fields)
        else:
            sf.CaseComment.create(fields)
    wall = time.perf_counter() - started
    org.stop()
    calls = len({r.call_id for r in rows})
    return Result("one request per record", calls, len(rows), org.api_requests, wall)


def batched(
    ca: trustme.CA,
    session: requests.Session,
    folder: Path,
    args: argparse.Namespace,
    batching: BatchPolicy,
    name: str,
) -> Result:
    org, _ = new_org(ca, args.calls)
    url = f"sqlite:///{folder / f'batched-{batching.window_s:g}.db'}"
    seed_database(url, args.calls, args.items)
    sync = callsight(org, session, url, batching)
    started = time.perf_counter()
    drain(sync)
    wall = time.perf_counter() - started
    rows = written(url)
    note = carried(org)
    org.stop()
    return Result(name, args.calls, len(rows), org.api_requests, wall, note)


def faulty(
    ca: trustme.CA, session: requests.Session, folder: Path, args: argparse.Namespace
) -> Result:
    org, _ = new_org(ca, args.calls, seed=11)
    org.fail_rate = args.fail_rate
    url = f"sqlite:///{folder / 'faulty.db'}"
    seed_database(url, args.calls, args.items)
    sync = callsight(org, session, url, ours(args))
    started = time.perf_counter()
    drain(sync)
    wall = time.perf_counter() - started
    rows = written(url)
    faults = sum(n for kind, n in org.request_counts.items() if kind.startswith("fault-"))
    verdict = exactly_once(org, rows)
    org.stop()
    name = f"Callsight, {args.fail_rate:.0%} of requests failing"
    return Result(
        name, args.calls, len(rows), org.api_requests, wall, f"{faults} faults; {verdict}"
    )


def carried(org: SalesforceEmulator) -> str:
    """What the requests carried: composites hold queries and collections as subrequests."""
    counts = org.request_counts
    return (
        f"{counts['composite']} composites; {counts['query']} queries + "
        f"{counts['collections']} collections in all + {counts['describe']} describes"
    )


def exactly_once(org: SalesforceEmulator, rows: list[CrmOutbox]) -> str:
    tasks = Counter(t["Callsight_Id__c"] for t in org.of_type("Task"))
    expected = {r.external_id for r in rows if r.object_type == "Task"}
    comments = Counter(c["ParentId"] for c in org.of_type("CaseComment"))
    closed = sum(1 for c in org.of_type("Case") if c["Status"] == "Closed")
    cases = sum(1 for r in rows if r.object_type == "Case")
    ok = (
        set(tasks) == expected
        and set(tasks.values()) == {1}
        and len(comments) == cases
        and set(comments.values()) <= {1}
        and closed == cases
        and all(r.status == "written" for r in rows)
    )
    duplicates = sum(n - 1 for n in tasks.values()) + sum(n - 1 for n in comments.values())
    return (
        f"every record exactly once: {'yes' if ok else 'NO'} "
        f"({len(tasks)} Tasks, {len(comments)} CaseComments, {duplicates} duplicates)"
    )


class SimulatedClock:
    """Wall time for the outbox and seconds for the adapter's caches, moved by hand."""

    def __init__(self) -> None:
        self.start, self.elapsed_s = dt.datetime.now(dt.UTC), 0.0

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.elapsed_s)

    def seconds(self) -> float:
        return self.elapsed_s


class ArrivesSummarised:
    """The transcriber and summariser of calls that reach the bench already summarised."""

    def transcribe(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("steady traffic starts after the summary")

    def summarise(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("steady traffic starts after the summary")


def finish(engine: Any, call_id: str, now: dt.datetime) -> None:
    """What the summary stage does last: the call moves to ``syncing``, its outbox to be filled."""
    with Session(engine) as session:
        call = session.get_one(Call, call_id)
        move(call, CallStatus.SYNCING)
        call.updated_at, call.crm_outbox_filled_at = now, None
        session.add(call)
        session.commit()


def steady(
    ca: trustme.CA,
    session: requests.Session,
    folder: Path,
    args: argparse.Namespace,
    window_s: float,
    name: str,
) -> Result:
    """Calls finishing one per second, each through the real sync stage; the periodic flush
    every ``outbox_poll_s``; on a simulated clock."""
    org, _ = new_org(ca, args.steady_calls)
    url = f"sqlite:///{folder / f'steady-{window_s:g}.db'}"
    call_ids = seed_database(url, args.steady_calls, args.items, CallStatus.SUMMARISING)
    clock, engine = SimulatedClock(), make_engine(url)
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    crm = SalesforceCrm(SalesforceConnection(auth, session, timeout_s=30), clock=clock.seconds)
    batching = BatchPolicy(records=args.batch_records, window_s=window_s)
    idle = ArrivesSummarised()
    store = LocalAudioStore(folder / "audio")
    pipeline = Pipeline(engine, store, idle, idle, crm, crm_batching=batching)  # type: ignore[arg-type]
    pipeline.crm_sync = CrmSync(engine, crm, batching=batching, clock=clock.now)
    finished: dict[str, dt.datetime] = {}
    started, next_poll = time.perf_counter(), 0.0
    while len(finished) < len(call_ids) or waiting(engine):
        if len(finished) < len(call_ids):
            call_id = call_ids[len(finished)]
            finished[call_id] = clock.now()
            finish(engine, call_id, clock.now())
            pipeline.run_stage(call_id)
        if clock.elapsed_s >= next_poll:
            pipeline.crm_sync.flush_if_due()
            next_poll += args.poll_s
        clock.elapsed_s += 1.0
    wall = time.perf_counter() - started
    rows = written(url)
    waits = call_waits(rows, finished)
    note = (
        f"{carried(org)}; a call waited {sum(waits) / len(waits):.1f} s on "
        f"average, {max(waits):.0f} s at most"
    )
    org.stop()
    engine.dispose()
    return Result(name, args.steady_calls, len(rows), org.api_requests, wall, note)


def waiting(engine: Any) -> bool:
    with Session(engine) as session:
        return session.exec(select(Call.id).where(Call.status == "syncing")).first() is not None


def call_waits(rows: list[CrmOutbox], finished: dict[str, dt.datetime]) -> list[float]:
    """Seconds from each call's finish to its last record written, on the simulated clock."""
    last: dict[str, dt.datetime] = {}
    for row in rows:
        if row.written_at is not None:
            moment = row.written_at.replace(tzinfo=row.written_at.tzinfo or dt.UTC)
            last[row.call_id] = max(moment, last.get(row.call_id, moment))
    return [(last[call_id] - at).total_seconds() for call_id, at in finished.items()]


def ours(args: argparse.Namespace) -> BatchPolicy:
    return BatchPolicy(records=args.batch_records, window_s=args.window_s)


def burst_table(ca: trustme.CA, folder: Path, args: argparse.Namespace) -> None:
    session = https_session(ca, folder)
    per_call = batched(
        ca, session, folder, args, BatchPolicy(window_s=0.0), "flush per call (before issue 12)"
    )
    window = f"Callsight, window {args.window_s:g} s, {args.batch_records} records"
    batch = batched(ca, session, folder, args, ours(args), window)
    one_each = one_per_record(ca, session, written(f"sqlite:///{folder / 'batched-0.db'}"))
    failing = faulty(ca, session, folder, args)
    print(
        f"Burst: {args.calls} calls, {args.items} action items each, every 5th call on a case, "
        f"all waiting before the first flush; target <= {BURST_TARGET} requests per record"
    )
    print(HEADER)
    print(one_each.line())
    for result in (per_call, batch):
        print(result.line(BURST_TARGET))
    print(failing.line())


def steady_table(ca: trustme.CA, folder: Path, args: argparse.Namespace) -> None:
    session = https_session(ca, folder)
    runs = [(0.0, "flush per call (before issue 12)")]
    windows = dict.fromkeys([args.window_s, *args.windows])
    runs += [(w, f"Callsight, window {w:g} s, {args.batch_records} records") for w in windows]
    results = [steady(ca, session, folder, args, window, name) for window, name in runs]
    print(
        f"Steady traffic: {args.steady_calls} calls finishing one per second, {args.items} "
        f"action items each, every 5th call on a case; the real sync stage and a periodic flush "
        f"every {args.poll_s:g} s on a simulated clock (the emulator answers in real time); "
        f"target <= {STEADY_TARGET} requests per record"
    )
    print(HEADER)
    for result in results:
        print(result.line(STEADY_TARGET))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--fail-rate", type=float, default=0.3)
    parser.add_argument("--steady-calls", type=int, default=600)
    parser.add_argument("--window-s", type=float, default=DEFAULTS["crm_batch_window_s"])
    parser.add_argument("--windows", type=_floats, default=[], help="more windows to compare")
    parser.add_argument("--batch-records", type=int, default=DEFAULTS["crm_batch_records"])
    parser.add_argument("--poll-s", type=float, default=DEFAULTS["outbox_poll_s"])
    parser.add_argument("--scenario", choices=("all", "burst", "steady"), default="all")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # postponed lookups under injected faults are expected
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp:
        if args.scenario in ("all", "burst"):
            burst_table(ca, Path(tmp), args)
        if args.scenario in ("all", "steady"):
            steady_table(ca, Path(tmp), args)


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


if __name__ == "__main__":
    main()
