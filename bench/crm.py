"""Salesforce API requests per written record: Callsight's sync next to one request per record.

Usage: python bench/crm.py [--calls 1000] [--items 3] [--fail-rate 0.3]

Starts the test suite's Salesforce REST emulator on loopback (HTTPS, a CA made for the run) and a
fresh SQLite database holding ``--calls`` summarised calls with ``--items`` action items each
(every fifth call is about a known case, so it also updates the Case and adds a comment). Then:

1. one request per record: each record upserted with its own simple-salesforce request;
2. Callsight: the CRM sync stage (batched matching, sObject Collections of 200);
3. Callsight again on a fresh org with ``--fail-rate`` of API requests failing at random
   (503, 403 REQUEST_LIMIT_EXCEEDED, 401 INVALID_SESSION_ID), drained until every call is done,
   then every record checked to exist exactly once.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests
import trustme
from simple_salesforce.api import Salesforce
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from agent.core.db import make_engine, upgrade
from agent.core.tables import Call, CrmOutbox
from agent.crm.sync import CrmSync, RetryPolicy
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

    def line(self) -> str:
        per_record = self.requests / self.records if self.records else float("nan")
        per_call = self.requests / self.calls if self.calls else float("nan")
        return (
            f"{self.name:36} {self.records:7} {self.requests:8} {per_call:8.3f} "
            f"{per_record:10.4f} {self.wall_s:7.1f}  {self.note}"
        )


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


def seed_database(url: str, calls: int, items: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        for n in range(calls):
            make_call_ready_for_crm(
                session,
                email=f"customer{n}@bench.test",
                case_ref=f"{n + 1:08d}" if n % 5 == 0 else None,
                agent_email="agent@bench.test",
                items=items,
            )
    engine.dispose()


def callsight(org: SalesforceEmulator, session: requests.Session, url: str) -> CrmSync:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    crm = SalesforceCrm(SalesforceConnection(auth, session, timeout_s=30))
    policy = RetryPolicy(base_s=0.05, cap_s=1.0, max_attempts=50)
    return CrmSync(make_engine(url), crm, policy=policy, rng=random.Random(3))


def drain(sync: CrmSync) -> None:
    while True:
        with Session(sync.engine) as session:
            waiting = session.exec(select(Call.id).where(Call.status == "syncing")).first()
        if waiting is None:
            return
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
    ca: trustme.CA, session: requests.Session, folder: Path, args: argparse.Namespace
) -> Result:
    org, _ = new_org(ca, args.calls)
    url = f"sqlite:///{folder / 'batched.db'}"
    seed_database(url, args.calls, args.items)
    sync = callsight(org, session, url)
    started = time.perf_counter()
    drain(sync)
    wall = time.perf_counter() - started
    rows = written(url)
    counts = org.request_counts
    note = f"{counts['query']} queries + {counts['collections']} collection requests"
    org.stop()
    name = "Callsight, sObject Collections"
    return Result(name, args.calls, len(rows), org.api_requests, wall, note)


def faulty(
    ca: trustme.CA, session: requests.Session, folder: Path, args: argparse.Namespace
) -> Result:
    org, _ = new_org(ca, args.calls, seed=11)
    org.fail_rate = args.fail_rate
    url = f"sqlite:///{folder / 'faulty.db'}"
    seed_database(url, args.calls, args.items)
    sync = callsight(org, session, url)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--fail-rate", type=float, default=0.3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # postponed lookups under injected faults are expected
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        session = https_session(ca, folder)
        ours = batched(ca, session, folder, args)
        baseline = one_per_record(ca, session, written(f"sqlite:///{folder / 'batched.db'}"))
        failing = faulty(ca, session, folder, args)
    print(f"{args.calls} calls, {args.items} action items each, every 5th call on a case")
    print(
        f"{'run':36} {'records':>7} {'requests':>8} {'req/call':>8} {'req/record':>10} "
        f"{'wall_s':>7}  notes"
    )
    for result in (baseline, ours, failing):
        print(result.line())


if __name__ == "__main__":
    main()
