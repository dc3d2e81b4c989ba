"""A call whose writes meet the reserve of the org's daily API limit waits in ``syncing``, saying
why, and syncs once Salesforce reports room again; waiting never counts as a failed attempt."""

from __future__ import annotations

import random
import time

import requests
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.core.call_states import CallStatus
from agent.core.domain import OutboxStatus
from agent.core.tables import Call, CrmOutbox
from agent.crm.sync import CrmSync, RetryPolicy
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from integrations.salesforce.limits import ApiLimits, ApiReserve
from support.clock import FakeClock
from support.factories import make_call_ready_for_crm
from support.salesforce_emulator import SalesforceEmulator

RECHECK_S = 60.0
SLOW = RetryPolicy(base_s=10, cap_s=10, max_attempts=2)


def make_sync(
    org: SalesforceEmulator,
    session: requests.Session,
    engine: Engine,
    clock: FakeClock,
    policy: RetryPolicy = SLOW,
) -> CrmSync:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    limits = ApiLimits(ApiReserve.parse("5%"), recheck_s=RECHECK_S, clock=clock.seconds)
    connection = SalesforceConnection(auth, session, timeout_s=10, limits=limits)
    crm = SalesforceCrm(connection, clock=clock.seconds)
    return CrmSync(engine, crm, policy=policy, rng=random.Random(1), clock=clock.now)


def rows(engine: Engine, call_id: str) -> list[CrmOutbox]:
    with Session(engine) as session:
        return list(session.exec(select(CrmOutbox).where(CrmOutbox.call_id == call_id)))


def test_writes_wait_at_the_reserve_with_the_reason_shown_then_sync(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email="ana@acme.test", items=3)
    sf_org.set_api_usage(949, limit=1000)  # the lookups (one composite) leave 50: the reserve
    clock = FakeClock()
    sync = make_sync(sf_org, https_session, engine, clock)

    report = sync.flush()
    assert report.postponed == 4 and report.sent == 0
    assert sf_org.api_used == 950 and sf_org.request_counts["collections"] == 0
    waiting = rows(engine, call_id)
    assert {row.status for row in waiting} == {OutboxStatus.PENDING}
    assert {row.attempts for row in waiting} == {0}
    assert all("daily API limit" in (row.last_error or "") for row in waiting)
    with Session(engine) as session:
        assert session.get_one(Call, call_id).status == CallStatus.SYNCING

    # Well past max_attempts flushes: still waiting, never failed.
    for _ in range(3):
        clock.advance(11)
        sync.flush_if_due()
    assert {row.attempts for row in rows(engine, call_id)} == {0}

    sf_org.set_api_usage(10)
    clock.advance(RECHECK_S)
    report = sync.flush_if_due()
    assert report is not None and report.done_calls == [call_id]
    assert {(row.status, row.attempts, row.last_error) for row in rows(engine, call_id)} == {
        (OutboxStatus.WRITTEN, 1, None)
    }
    assert len(sf_org.of_type("Task")) == 4


def test_a_call_not_yet_matched_says_why_it_waits(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    sf_org.add("Contact", LastName="Li", Email="li@acme.test")
    sf_org.set_api_usage(947, limit=1000)
    clock = FakeClock()
    quick = RetryPolicy(base_s=0.01, cap_s=0.01)
    sync = make_sync(sf_org, https_session, engine, clock, quick)
    with Session(engine) as session:
        first = make_call_ready_for_crm(session, email="ana@acme.test", items=1)
    assert sync.flush().done_calls == [first]  # lookups, describe, write: 950 used
    with Session(engine) as session:
        second = make_call_ready_for_crm(session, email="li@acme.test", items=1)
    assert sync.flush().prepared == 0  # the lookups wait too
    with Session(engine) as session:
        reason = session.get_one(Call, second).crm_hold_reason or ""
    assert reason.startswith("waiting for the CRM") and "daily API limit" in reason

    sf_org.set_api_usage(0)
    clock.advance(RECHECK_S)
    time.sleep(0.02)  # the lookups' own backoff
    assert sync.flush().done_calls == [second]
    with Session(engine) as session:
        assert session.get_one(Call, second).crm_hold_reason is None
