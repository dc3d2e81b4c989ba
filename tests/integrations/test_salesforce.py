"""The Salesforce adapter: simple-salesforce over HTTPS against the emulator on loopback."""

from __future__ import annotations

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from agent.core.domain import CrmWrite, MatchHint
from agent.core.ports import CrmUnavailable
from integrations.salesforce import (
    ClientCredentials,
    JwtBearer,
    SalesforceAuthError,
    SalesforceConnection,
    SalesforceCrm,
    UsernamePassword,
    soql,
)
from support.salesforce_emulator import SalesforceEmulator


def make_crm(
    org: SalesforceEmulator, session: requests.Session, timeout_s: float = 10
) -> SalesforceCrm:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    return SalesforceCrm(SalesforceConnection(auth, session, timeout_s=timeout_s))


def task(external_id: str, **fields: object) -> CrmWrite:
    return CrmWrite("Task", external_id, {"Subject": f"Task {external_id}", **fields})


def test_tasks_are_upserted_by_external_id_in_collections(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session)
    first = crm.write([task(f"t-{i}") for i in range(450)])
    assert all(result.ok for result in first)
    assert sf_org.request_counts["collections"] == 3  # 200 + 200 + 50
    again = crm.write([task("t-7", Description="edited"), task("t-451")])
    assert again[0].crm_id == first[7].crm_id
    tasks = sf_org.of_type("Task")
    assert len(tasks) == 451
    assert len({t["Callsight_Id__c"] for t in tasks}) == 451
    assert next(t for t in tasks if t["Callsight_Id__c"] == "t-7")["Description"] == "edited"


def test_logins_by_password_and_jwt_and_refusals(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sf_org.jwt_public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    logins = [
        UsernamePassword(
            sf_org.url, sf_org.client_id, sf_org.client_secret, sf_org.username, sf_org.password
        ),
        JwtBearer(sf_org.url, sf_org.client_id, sf_org.username, private_pem),
    ]
    for auth in logins:
        crm = SalesforceCrm(SalesforceConnection(auth, https_session))
        assert crm.write([task(f"via-{type(auth).__name__}")])[0].ok
    wrong = ClientCredentials(sf_org.url, sf_org.client_id, "not-the-secret")
    with pytest.raises(SalesforceAuthError, match="authentication failure"):
        wrong.token(https_session, 5)
    result = SalesforceCrm(SalesforceConnection(wrong, https_session)).write([task("x")])[0]
    assert not result.ok and not result.retriable
    assert "refused the login" in (result.error or "")


def test_an_expired_session_is_renewed(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session)
    assert crm.write([task("a")])[0].ok
    sf_org.expire_sessions()
    assert crm.write([task("b")])[0].ok
    sf_org.faults.append("401")
    assert crm.write([task("c")])[0].ok
    assert crm.connection.logins == 3
    assert len(sf_org.of_type("Task")) == 3


@pytest.mark.parametrize(
    ("fault", "message"),
    [("503", "SERVER_UNAVAILABLE"), ("403", "REQUEST_LIMIT_EXCEEDED")],
)
def test_outages_and_api_limits_are_retriable(
    sf_org: SalesforceEmulator, https_session: requests.Session, fault: str, message: str
) -> None:
    crm = make_crm(sf_org, https_session)
    sf_org.faults.append(fault)
    results = crm.write([task("a"), task("b")])
    assert [r.retriable for r in results] == [True, True]
    assert message in (results[0].error or "")
    assert sf_org.of_type("Task") == []
    assert all(r.ok for r in crm.write([task("a"), task("b")]))


def test_a_rejected_record_is_permanent_with_salesforces_message(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session)
    results = crm.write([task("good"), task("bad", WhoId="003000000000999AAA")])
    assert results[0].ok
    assert not results[1].ok and not results[1].retriable
    assert "INVALID_CROSS_REFERENCE_KEY" in (results[1].error or "")
    assert "WhoId" in (results[1].error or "")


def test_a_slow_answer_times_out_and_the_retry_updates_instead_of_duplicating(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session, timeout_s=0.3)
    sf_org.slow_s = 1.0
    result = crm.write([task("slow")])[0]
    assert result.retriable and "no answer" in (result.error or "")
    sf_org.slow_s = 0
    assert crm.write([task("slow")])[0].ok
    assert len(sf_org.of_type("Task")) == 1


def test_a_case_comment_is_created_once_even_when_its_answer_was_lost(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    case_id = sf_org.add("Case", Status="New", Subject="Broken adapter")
    crm = make_crm(sf_org, https_session, timeout_s=0.3)
    comment = CrmWrite(
        "CaseComment",
        "callsight-comment-c1",
        {"ParentId": case_id, "CommentBody": "Fixed.\n[callsight-comment-c1]"},
    )
    sf_org.slow_s = 1.0
    assert crm.write([comment])[0].retriable
    sf_org.slow_s = 0
    again = crm.write(
        [comment, CrmWrite("Case", "callsight-case-c1", {"Id": case_id, "Status": "Closed"})]
    )
    assert all(r.ok for r in again)
    assert len(sf_org.of_type("CaseComment")) == 1
    assert sf_org.of_type("Case")[0]["IsClosed"] is True
    edited = CrmWrite(
        "CaseComment",
        comment.external_id,
        {**comment.fields, "CommentBody": "Edited"},
        again[0].crm_id,
    )
    assert crm.write([edited])[0].ok
    assert [c["CommentBody"] for c in sf_org.of_type("CaseComment")] == ["Edited"]


def test_matching_finds_contacts_accounts_cases_and_owners(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    account = sf_org.add("Account", Name="Acme", Phone="+44 20 7946 0000")
    contact = sf_org.add(
        "Contact", LastName="Ng", Email="ana@acme.test", Phone="+44 20 7946 0101", AccountId=account
    )
    sf_org.add("Case", Status="Closed", ContactId=contact)
    open_case = sf_org.add("Case", Status="New", ContactId=contact)
    numbered = sf_org.add("Case", Status="New", CaseNumber="00001026")
    user = sf_org.add("User", Email="rep@callsight.test", IsActive=True)
    crm = make_crm(sf_org, https_session)
    links = crm.match(
        [
            MatchHint(email="ANA@acme.test", agent_email="rep@callsight.test"),
            MatchHint(phone="+44 20 7946 0101", case_ref="00001026"),
            MatchHint(phone="+44 20 7946 0000"),
            MatchHint(email="nobody@else.test", phone="+1 555 0100"),
        ]
    )
    assert links[0] is not None and (links[0].contact_id, links[0].account_id) == (contact, account)
    assert (links[0].case_id, links[0].owner_id) == (open_case, user)
    assert links[1] is not None and (links[1].contact_id, links[1].case_id) == (contact, numbered)
    assert links[2] is not None and (links[2].contact_id, links[2].account_id) == (None, account)
    assert links[3] is None
    assert sf_org.request_counts["query"] <= 7  # one per kind of lookup, open deals included


def test_a_hostile_value_cannot_change_the_query(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    crm = make_crm(sf_org, https_session)
    hostile = ["x' OR Email != 'y", "x\\' OR Email != \\'y", "a\\", "') OR (Email != '"]
    assert crm.match([MatchHint(email=value) for value in hostile]) == [None] * len(hostile)
    assert soql.quote('it\'s \\ "q"\n') == "'it\\'s \\\\ \\\"q\\\"\\n'"


def test_matching_during_an_outage_says_try_later(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session)
    sf_org.faults.append("503")
    with pytest.raises(CrmUnavailable, match="SERVER_UNAVAILABLE"):
        crm.match([MatchHint(email="ana@acme.test")])


def test_long_query_answers_are_read_page_by_page(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.page_size = 2
    emails = [f"p{n}@acme.test" for n in range(5)]
    contacts = [sf_org.add("Contact", LastName=f"P{n}", Email=e) for n, e in enumerate(emails)]
    links = make_crm(sf_org, https_session).match([MatchHint(email=e) for e in emails])
    assert [link.contact_id if link else None for link in links] == contacts
    assert sf_org.request_counts["query"] >= 3  # one query and at least two more pages


def test_a_call_task_whose_answer_was_lost_is_written_again_and_edited(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session)
    logged = task("callsight-call-c1", TaskSubtype="Call", Status="Completed")
    sf_org.script("collections", "lost")
    assert crm.write([logged])[0].retriable
    again = crm.write([logged])[0]
    assert again.ok, again.error
    edited = CrmWrite("Task", logged.external_id, {**logged.fields, "Description": "Edited"})
    assert crm.write([CrmWrite(**{**edited.__dict__, "crm_id": again.crm_id})])[0].ok
    (written,) = sf_org.of_type("Task")
    assert (written["TaskSubtype"], written["Description"]) == ("Call", "Edited")


def test_a_case_comment_whose_answer_was_lost_waits_while_the_lookup_fails(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    case_id = sf_org.add("Case", Status="New", Subject="Broken adapter")
    crm = make_crm(sf_org, https_session)
    comment = CrmWrite(
        "CaseComment",
        "callsight-comment-c2",
        {"ParentId": case_id, "CommentBody": "Fixed.\n[callsight-comment-c2]"},
    )
    sf_org.script("collections", "lost")
    assert crm.write([comment])[0].retriable
    sf_org.script("query", "503")
    waiting = crm.write([comment])[0]
    assert waiting.retriable and "SERVER_UNAVAILABLE" in (waiting.error or "")
    assert len(sf_org.of_type("CaseComment")) == 1
    adopted = crm.write([comment])[0]
    assert adopted.ok and adopted.crm_id == sf_org.of_type("CaseComment")[0]["Id"]
    assert len(sf_org.of_type("CaseComment")) == 1
