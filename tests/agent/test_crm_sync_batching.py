"""Calls that finish one at a time share their Salesforce requests: the sync stage only flushes
when enough records wait or the oldest has waited the batch window, counted across processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme
from sqlalchemy import Engine
from sqlmodel import Session

from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import Call
from agent.crm.sync import BatchPolicy, CrmSync, RetryPolicy
from api.composition import Container, build_container
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from support.clock import FakeClock
from support.factories import make_call_ready_for_crm
from support.salesforce_emulator import SalesforceEmulator

WINDOW_S = 30.0


def salesforce_settings(
    database_url: str, tmp_path: Path, org: SalesforceEmulator, ca: trustme.CA, **more: object
) -> Settings:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        crm="salesforce",
        salesforce_login_url=org.url,
        salesforce_client_id=org.client_id,
        salesforce_client_secret=org.client_secret,
        salesforce_ca_bundle=bundle,
        crm_batch_window_s=WINDOW_S,
        **more,  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def workers(
    database_url: str,
    tmp_path: Path,
    sf_org: SalesforceEmulator,
    test_ca: trustme.CA,
    clock: FakeClock,
) -> Iterator[list[Container]]:
    """Two worker processes' adapters on one database, their outbox on the test's clock."""
    settings = salesforce_settings(database_url, tmp_path, sf_org, test_ca, crm_batch_records=200)
    containers = [build_container(settings), build_container(settings)]
    for container in containers:
        container.pipeline.crm_sync.clock = clock.now
    yield containers
    for container in containers:
        container.engine.dispose()


def finished_call(
    engine: Engine, org: SalesforceEmulator, clock: FakeClock, n: int, items: int = 3
) -> str:
    """A call that has just moved to ``syncing``, for a customer the org knows."""
    email = f"customer{n}@acme.test"
    org.add("Contact", LastName=f"Customer {n}", Email=email)
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email=email, items=items)
        call = session.get_one(Call, call_id)
        call.updated_at = clock.now()
        session.add(call)
        session.commit()
    return call_id


def status(engine: Engine, call_id: str) -> str:
    with Session(engine) as session:
        return session.get_one(Call, call_id).status


def test_calls_finishing_one_after_another_in_a_window_go_out_in_one_request(
    workers: list[Container], sf_org: SalesforceEmulator, clock: FakeClock
) -> None:
    engine = workers[0].engine
    call_ids = []
    for n in range(6):
        call_id = finished_call(engine, sf_org, clock, n)
        worker = workers[n % 2]  # the calls of both processes wait together
        assert worker.pipeline.run_stage(call_id) == CallStatus.SYNCING
        call_ids.append(call_id)
        clock.advance(WINDOW_S / 6 - 1)
    assert sf_org.api_requests == 0  # nothing went out while the window was open

    clock.advance(6)
    report = workers[1].pipeline.crm_sync.flush_if_due()
    assert report is not None and sorted(report.done_calls) == sorted(call_ids)
    assert sf_org.request_counts["collections"] == 1  # 24 Tasks of 6 calls, one request
    assert len(sf_org.of_type("Task")) == 24


def test_a_lone_call_syncs_once_the_window_has_passed(
    workers: list[Container], sf_org: SalesforceEmulator, clock: FakeClock
) -> None:
    sync = workers[0].pipeline.crm_sync
    call_id = finished_call(workers[0].engine, sf_org, clock, 1)
    assert workers[0].pipeline.run_stage(call_id) == CallStatus.SYNCING
    clock.advance(WINDOW_S - 0.5)
    assert sync.flush_if_due() is None
    assert status(workers[0].engine, call_id) == CallStatus.SYNCING
    clock.advance(0.5)
    report = sync.flush_if_due()
    assert report is not None and report.done_calls == [call_id]
    assert status(workers[0].engine, call_id) == CallStatus.DONE


def test_200_waiting_records_go_out_at_once_without_the_window(
    workers: list[Container], sf_org: SalesforceEmulator, clock: FakeClock
) -> None:
    engine = workers[0].engine
    call_ids = []
    for n in range(19):
        # Each call writes its activity and 9 action items: 10 records.
        call_ids.append(finished_call(engine, sf_org, clock, n, items=9))
        assert workers[0].pipeline.run_stage(call_ids[-1]) == CallStatus.SYNCING
    assert sf_org.request_counts["collections"] == 0  # 190 records wait
    call_ids.append(finished_call(engine, sf_org, clock, 19, items=9))
    assert workers[1].pipeline.run_stage(call_ids[-1]) == CallStatus.DONE  # the 200th record
    assert {status(engine, call_id) for call_id in call_ids} == {CallStatus.DONE}
    assert sf_org.request_counts["collections"] == 1


def test_a_failed_write_goes_again_once_its_backoff_has_run_without_a_new_window(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    clock = FakeClock()
    auth = ClientCredentials(sf_org.url, sf_org.client_id, sf_org.client_secret)
    crm = SalesforceCrm(SalesforceConnection(auth, https_session, timeout_s=10))
    policy = RetryPolicy(base_s=4, cap_s=4)  # a retry 2 to 4 s later
    sync = CrmSync(
        engine, crm, policy=policy, batching=BatchPolicy(window_s=WINDOW_S), clock=clock.now
    )
    call_id = finished_call(engine, sf_org, clock, 1)
    sf_org.script("collections", "503")
    clock.advance(WINDOW_S)
    first = sync.flush_if_due()
    assert first is not None and first.retrying == 4
    clock.advance(4)
    again = sync.flush_if_due()
    assert again is not None and again.done_calls == [call_id]
