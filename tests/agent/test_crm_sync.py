"""The CRM sync stage against the Salesforce emulator: exactly once, through faults and edits."""

from __future__ import annotations

import random
import time
from collections import Counter

import requests
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.calls import edits as call_edits
from agent.calls import service as calls
from agent.core.call_states import CallStatus
from agent.core.tables import ActionItem, Call, CrmOutbox
from agent.crm.sync import SENDING, CrmSync, RetryPolicy
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from support.factories import make_call_ready_for_crm
from support.salesforce_emulator import SalesforceEmulator

FAST = RetryPolicy(base_s=0.001, cap_s=0.01, max_attempts=60)


def make_sync(
    org: SalesforceEmulator, session: requests.Session, engine: Engine, batch: int = 200
) -> CrmSync:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    crm = SalesforceCrm(SalesforceConnection(auth, session, timeout_s=10), batch_size=batch)
    return CrmSync(engine, crm, policy=FAST, batch_size=batch, rng=random.Random(7))


def drain(sync: CrmSync, timeout_s: float = 30) -> None:
    """Flush as the runner's background loop would, until no call waits on the CRM."""
    deadline = time.monotonic() + timeout_s
    while statuses(sync.engine)[CallStatus.SYNCING.value]:
        if time.monotonic() > deadline:
            raise AssertionError("the outbox never drained")
        sync.flush_if_due()
        time.sleep(0.01)


def statuses(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(call.status for call in session.exec(select(Call)))


def test_calls_land_on_the_right_records_once(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    case = sf_org.add("Case", Status="New", ContactId=contact, CaseNumber="00001026")
    user = sf_org.add("User", Email="rep@callsight.test", IsActive=True)
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(
            session, email="ana@acme.test", agent_email="rep@callsight.test"
        )
    sync = make_sync(sf_org, https_session, engine)
    report = sync.flush()
    assert report.done_calls == [call_id]
    tasks = {t["Callsight_Id__c"]: t for t in sf_org.of_type("Task")}
    logged = tasks[f"callsight-call-{call_id}"]
    assert (logged["TaskSubtype"], logged["CallDurationInSeconds"]) == ("Call", 184)
    assert (logged["WhoId"], logged["WhatId"], logged["Status"]) == (contact, case, "Completed")
    follow_ups = [t for key, t in tasks.items() if key.startswith("callsight-action-")]
    assert len(follow_ups) == 3
    assert {t["OwnerId"] for t in follow_ups} == {user}
    assert {t["Status"] for t in follow_ups} == {"Not Started"}
    assert sorted(t["ActivityDate"] for t in follow_ups) == [
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
    ]
    assert sf_org.of_type("Case")[0]["Status"] == "Closed"
    comments = sf_org.of_type("CaseComment")
    assert len(comments) == 1 and "adapter was replaced" in comments[0]["CommentBody"]
    with Session(engine) as session:
        rows = list(session.exec(select(CrmOutbox)))
    assert len(rows) == 6 and all(r.status == "written" and r.crm_id for r in rows)
    # One composite request for the lookups, one for the three collections; a comment never
    # sent before is not looked for first.
    assert sf_org.api_requests - sf_org.request_counts["describe"] == 2
    assert sf_org.request_counts["describe"] == 3  # Task, Case, CaseComment
    assert sf_org.request_counts["query"] == 3  # Contact, open Case, User


def test_a_comment_sent_before_a_crash_is_adopted_not_doubled(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    case = sf_org.add("Case", Status="New", ContactId=contact)
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email="ana@acme.test", items=1)
    sync = make_sync(sf_org, https_session, engine)
    sync.policy = RetryPolicy(base_s=60)  # no second try within this flush
    sf_org.script("composite", "pass", "503")  # lookups answered, the writes not
    assert sync.flush().done_calls == []
    with Session(engine) as session:  # as a crash right after sending would leave them
        rows = list(session.exec(select(CrmOutbox)))
        for row in rows:
            row.attempts, row.last_error, row.next_attempt_at = 0, SENDING, None
            session.add(row)
        session.commit()
        comment = next(r for r in rows if r.object_type == "CaseComment")
    sf_org.add("CaseComment", ParentId=case, CommentBody=comment.payload["CommentBody"])
    assert sync.flush().done_calls == [call_id]
    assert len(sf_org.of_type("CaseComment")) == 1


def test_with_30_percent_of_requests_failing_every_record_is_written_exactly_once(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    for n in range(40):
        sf_org.add("Contact", LastName=f"C{n}", Email=f"c{n}@acme.test")
    with Session(engine) as session:
        ids = [
            make_call_ready_for_crm(session, email=f"c{n}@acme.test", items=n % 4)
            for n in range(40)
        ]
    sf_org.fail_rate = 0.3
    sync = make_sync(sf_org, https_session, engine, batch=8)  # many small requests to fail
    drain(sync)
    assert statuses(engine) == Counter({"done": 40})
    faults = sum(sf_org.request_counts[f"fault-{k}"] for k in ("503", "403", "401"))
    assert faults >= 5
    keys = Counter(t["Callsight_Id__c"] for t in sf_org.of_type("Task"))
    expected = 40 + sum(n % 4 for n in range(40))
    assert len(keys) == expected and set(keys.values()) == {1}
    assert {f"callsight-call-{call_id}" for call_id in ids} <= set(keys)


def test_a_rejected_record_fails_the_call_with_salesforces_message_then_retry_fixes_it(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, contact_id="003000000000404AAA", items=1)
    sync = make_sync(sf_org, https_session, engine)
    sync.flush()
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None and call.status == "failed"
        assert "INVALID_CROSS_REFERENCE_KEY" in (call.failure_reason or "")
        assert "WhoId 003000000000404AAA" in (call.failure_reason or "")
        call.crm_contact_id = sf_org.add("Contact", LastName="Real")
        calls.retry(session, call)
        session.commit()
    drain(sync)
    assert statuses(engine) == Counter({"done": 1})
    assert len(sf_org.of_type("Task")) == 2


def test_an_unmatched_call_is_held_until_someone_links_it(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(
            session, email="stranger@nowhere.test", phone="+1 555 0100"
        )
    sync = make_sync(sf_org, https_session, engine)
    report = sync.flush()
    assert report.unmatched == 1
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None and call.status == CallStatus.UNMATCHED.value
        assert "no CRM Contact or Account" in (call.crm_hold_reason or "")
        assert not list(session.exec(select(CrmOutbox)))
    assert sf_org.of_type("Task") == []
    contact = sf_org.add("Contact", LastName="Stranger")
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None
        call_edits.link(session, call, call_edits.CrmLinkEdit(contact_id=contact))
        session.commit()
    drain(sync)
    assert statuses(engine) == Counter({"done": 1})
    assert {t["WhoId"] for t in sf_org.of_type("Task")} == {contact}


def test_edits_after_sync_update_the_same_records(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email="ana@acme.test", items=2)
    sync = make_sync(sf_org, https_session, engine)
    sync.flush()
    before = {t["Callsight_Id__c"]: t["Id"] for t in sf_org.of_type("Task")}
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None
        item_id = call_edits.ActionItemEdit(id=_first_item(session, call_id), status="done")
        change = call_edits.CallEdit(
            summary="Replaced the adapter; refund issued.", action_items=[item_id]
        )
        call_edits.edit(session, call, change, None)
        session.commit()
    drain(sync)
    tasks = {t["Callsight_Id__c"]: t for t in sf_org.of_type("Task")}
    assert {k: t["Id"] for k, t in tasks.items()} == before
    assert tasks[f"callsight-call-{call_id}"]["Description"].startswith("Replaced the adapter")
    assert sorted(t["Status"] for t in tasks.values()) == ["Completed", "Completed", "Not Started"]
    assert statuses(engine) == Counter({"done": 1})
    assert all(t["WhoId"] == contact for t in tasks.values())


def _first_item(session: Session, call_id: str) -> str:
    return session.exec(select(ActionItem.id).where(ActionItem.call_id == call_id)).first() or ""


def test_the_outbox_survives_a_restart_and_nothing_doubles(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    with Session(engine) as session:
        make_call_ready_for_crm(session, email="ana@acme.test", items=2)
    sf_org.faults.extend(["pass", "pass", "503"])  # the lookups go through, the write not
    first = make_sync(sf_org, https_session, engine)
    first.policy = RetryPolicy(base_s=0.5, cap_s=1.0)
    report = first.flush()
    assert report.retrying == 3 and statuses(engine) == Counter({"syncing": 1})
    with Session(engine) as session:
        rows = list(session.exec(select(CrmOutbox)))
    assert all(r.status == "pending" and r.next_attempt_at and r.attempts == 1 for r in rows)
    restarted = make_sync(sf_org, https_session, engine)
    drain(restarted)
    assert statuses(engine) == Counter({"done": 1})
    assert len(sf_org.of_type("Task")) == 3


def test_nothing_reaches_the_crm_before_a_lead_approves(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email="ana@acme.test", status=CallStatus.REVIEW)
    sync = make_sync(sf_org, https_session, engine)
    sync.flush()
    assert sf_org.api_requests == 0 and sf_org.of_type("Task") == []
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None
        calls.approve(session, call, None)
        session.commit()
    drain(sync)
    assert statuses(engine) == Counter({"done": 1})
    assert len(sf_org.of_type("Task")) == 4


def test_writes_that_keep_failing_give_up_and_say_so(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email="ana@acme.test", items=0)
    sync = make_sync(sf_org, https_session, engine)
    sync.policy = RetryPolicy(base_s=0.001, cap_s=0.001, max_attempts=3)
    sf_org.faults.extend(["pass", "pass", "403", "403", "403"])
    drain(sync)
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None and call.status == "failed"
        assert "gave up after 3 attempts" in (call.failure_reason or "")
        assert "REQUEST_LIMIT_EXCEEDED" in (call.failure_reason or "")


def test_the_call_task_is_owned_by_the_agents_user_else_by_the_integration_user(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    sf_org.add("Contact", LastName="Bo", Email="bo@acme.test")
    rep = sf_org.add("User", Email="rep@callsight.test", IsActive=True)
    sf_org.add("User", Email="gone@callsight.test", IsActive=False)
    with Session(engine) as session:
        known = make_call_ready_for_crm(
            session, email="ana@acme.test", agent_email="rep@callsight.test", items=1
        )
        unknown = make_call_ready_for_crm(
            session, email="bo@acme.test", agent_email="gone@callsight.test", items=1
        )
    make_sync(sf_org, https_session, engine).flush()
    tasks = {t["Callsight_Id__c"]: t for t in sf_org.of_type("Task")}
    assert tasks[f"callsight-call-{known}"]["OwnerId"] == rep
    assert tasks[f"callsight-call-{unknown}"]["OwnerId"] == sf_org.integration_user_id
    with Session(engine) as session:
        owners = {call.id: call.crm_owner_id for call in session.exec(select(Call))}
    assert owners == {known: rep, unknown: sf_org.integration_user_id}


def test_a_case_status_the_org_lacks_fails_the_call_naming_the_field_and_the_value(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    case = sf_org.add("Case", Status="New", ContactId=contact)
    sf_org.set_picklist("Case", "Status", ("New", "Working", "Closed"), default="New")
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(
            session, email="ana@acme.test", case_ref=case, resolution="escalated", items=0
        )
    make_sync(sf_org, https_session, engine).flush()
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None and call.status == "failed"
        assert "Case.Status" in (call.failure_reason or "")
        assert "'Escalated'" in (call.failure_reason or "")
    assert sf_org.of_type("Case")[0]["Status"] == "New"


def test_an_email_conversation_is_logged_as_an_email_task_without_call_fields(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email="ana@acme.test")
        call = session.get_one(Call, call_id)
        call.channel = "email"
        session.add(call)
        session.commit()
    report = make_sync(sf_org, https_session, engine).flush()
    assert report.done_calls == [call_id]
    logged = next(t for t in sf_org.of_type("Task") if t["Callsight_Id__c"].endswith(call_id))
    assert (logged["TaskSubtype"], logged["Subject"][:10]) == ("Email", "Email with")
    assert logged.get("CallType") is None and logged.get("CallDurationInSeconds") is None
