"""Every record is written exactly once, whatever sequence of faults Salesforce answers with.

Hypothesis draws the faults the emulator answers the next API requests with: lost answers (the
write applied, the client never told), 503, 403 REQUEST_LIMIT_EXCEEDED, UNABLE_TO_LOCK_ROW and
401 INVALID_SESSION_ID. The outbox is drained each time, and the org then holds each record once.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.core.call_states import CallStatus
from agent.core.tables import Call, CrmOutbox
from agent.crm.sync import CrmSync, RetryPolicy
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from support.factories import make_call_ready_for_crm
from support.salesforce_emulator import SalesforceEmulator

FAULTS = ("pass", "lost", "503", "403", "lock", "401")
FAST = RetryPolicy(base_s=0.001, cap_s=0.005, max_attempts=100)


def drain(sync: CrmSync, call_ids: list[str], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while _statuses(sync.engine, call_ids)[CallStatus.SYNCING.value]:
        assert time.monotonic() < deadline, "the outbox never drained"
        sync.flush_if_due()
        time.sleep(0.002)


def _statuses(engine: Engine, call_ids: list[str]) -> Counter[str]:
    with Session(engine) as session:
        calls = session.exec(select(Call).where(col(Call.id).in_(call_ids)))
        return Counter(call.status for call in calls)


def seed_calls(engine: Engine, org: SalesforceEmulator) -> tuple[list[str], str]:
    """A call on a case (a Case update and a comment) and one without; returns their ids and
    the case's."""
    tag = uuid.uuid4().hex[:8]
    contact = org.add("Contact", LastName=tag, Email=f"{tag}@acme.test")
    case = org.add("Case", Status="New", ContactId=contact)
    org.add("Contact", LastName=tag, Email=f"{tag}-2@acme.test")
    with Session(engine) as session:
        on_case = make_call_ready_for_crm(session, email=f"{tag}@acme.test", case_ref=case, items=2)
        plain = make_call_ready_for_crm(session, email=f"{tag}-2@acme.test", items=1)
    return [on_case, plain], case


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(faults=st.lists(st.sampled_from(FAULTS), min_size=1, max_size=14))
def test_every_record_exists_exactly_once_after_the_outbox_drains(
    engine: Engine,
    sf_org: SalesforceEmulator,
    https_session: requests.Session,
    faults: list[str],
) -> None:
    call_ids, case = seed_calls(engine, sf_org)
    sf_org.faults.clear()
    sf_org.faults.extend(faults)
    auth = ClientCredentials(sf_org.url, sf_org.client_id, sf_org.client_secret)
    crm = SalesforceCrm(SalesforceConnection(auth, https_session, timeout_s=10))
    drain(CrmSync(engine, crm, policy=FAST, rng=random.Random(1)), call_ids)
    assert _statuses(engine, call_ids) == Counter({"done": 2})
    with Session(engine) as session:
        rows = list(session.exec(select(CrmOutbox).where(col(CrmOutbox.call_id).in_(call_ids))))
    assert len(rows) == 7 and {row.status for row in rows} == {"written"}
    tasks = Counter(t["Callsight_Id__c"] for t in sf_org.of_type("Task"))
    task_rows = {row.external_id: row.crm_id for row in rows if row.object_type == "Task"}
    assert all(tasks[external_id] == 1 for external_id in task_rows)
    by_key = {t["Callsight_Id__c"]: t["Id"] for t in sf_org.of_type("Task")}
    assert all(by_key[key] == crm_id for key, crm_id in task_rows.items())
    logged = next(t for t in sf_org.of_type("Task") if t["Callsight_Id__c"].endswith(call_ids[0]))
    assert logged["TaskSubtype"] == "Call"
    comments = [c for c in sf_org.of_type("CaseComment") if c["ParentId"] == case]
    (comment_row,) = [row for row in rows if row.object_type == "CaseComment"]
    assert [c["Id"] for c in comments] == [comment_row.crm_id]
    assert next(c for c in sf_org.of_type("Case") if c["Id"] == case)["Status"] == "Closed"
