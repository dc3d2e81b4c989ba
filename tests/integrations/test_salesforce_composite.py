"""The Composite resource: the emulator keeps Salesforce's rules, and the adapter packs a batch's
lookups and collections into as few composite requests as those rules allow."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from agent.core.domain import CrmWrite, MatchHint
from agent.core.ports import StageError
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from integrations.salesforce.composite import SubrequestFailed
from integrations.salesforce.connection import describe_error
from support.salesforce_emulator import SalesforceEmulator

V = "/services/data/v60.0"


def make_crm(org: SalesforceEmulator, session: requests.Session) -> SalesforceCrm:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    return SalesforceCrm(SalesforceConnection(auth, session, timeout_s=10))


def account(ref: str, name: str = "Acme") -> dict[str, Any]:
    return {
        "method": "POST",
        "url": f"{V}/sobjects/Account",
        "referenceId": ref,
        "body": {"Name": name},
    }


def query(ref: str) -> dict[str, Any]:
    return {"method": "GET", "url": f"{V}/query?q=SELECT+Id+FROM+Account", "referenceId": ref}


def composite(sf: Salesforce, subrequests: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    body = {"allOrNone": all_or_none, "compositeRequest": subrequests}
    return sf.restful("composite", method="POST", json=body)


def refused(sf: Salesforce, subrequests: list[dict[str, Any]]) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        composite(sf, subrequests)
    content = caught.value.content
    assert isinstance(content, list)
    error: dict[str, Any] = content[0]
    return error


def test_more_than_25_subrequests_or_5_queries_are_refused_whole(
    sf: Salesforce, sf_org: SalesforceEmulator
) -> None:
    too_many = refused(sf, [account(f"a{n}", f"A{n}") for n in range(26)])
    assert too_many["errorCode"] == "LIMIT_EXCEEDED" and "25" in too_many["message"]
    heavy = refused(sf, [query(f"q{n}") for n in range(6)])
    assert heavy["errorCode"] == "LIMIT_EXCEEDED" and "5" in heavy["message"]
    repeated = refused(sf, [account("a"), account("a")])
    assert repeated["errorCode"] == "INVALID_INPUT"
    assert sf_org.of_type("Account") == []  # nothing of a refused request was run
    answer = composite(sf, [account(f"a{n}", f"A{n}") for n in range(24)] + [query("q")])
    assert len(answer["compositeResponse"]) == 25 and len(sf_org.of_type("Account")) == 24


def test_each_subrequest_answers_for_itself_and_a_reference_to_a_failed_one_halts(
    sf: Salesforce, sf_org: SalesforceEmulator
) -> None:
    used = sf_org.api_used
    contact = {
        "method": "POST",
        "url": f"{V}/sobjects/Contact",
        "referenceId": "contact",
        "body": {"LastName": "Ng", "AccountId": "@{acme.id}"},
    }
    bad = {
        "method": "POST",
        "url": f"{V}/sobjects/Task",
        "referenceId": "bad",
        "body": {"Status": "Nope"},
    }
    orphan = {
        "method": "POST",
        "url": f"{V}/sobjects/Contact",
        "referenceId": "orphan",
        "body": {"LastName": "Li", "AccountId": "@{bad.id}"},
    }
    answer = composite(sf, [account("acme"), contact, bad, orphan, query("accounts")])
    results = {r["referenceId"]: r for r in answer["compositeResponse"]}
    assert [r["referenceId"] for r in answer["compositeResponse"]] == [
        "acme",
        "contact",
        "bad",
        "orphan",
        "accounts",
    ]
    acme_id = results["acme"]["body"]["id"]
    assert results["contact"]["httpStatusCode"] == 201
    assert sf_org.records["Contact"][results["contact"]["body"]["id"]]["AccountId"] == acme_id
    assert results["bad"]["httpStatusCode"] == 400
    assert results["bad"]["body"][0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert results["orphan"]["httpStatusCode"] == 400
    assert results["orphan"]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert "bad" in results["orphan"]["body"][0]["message"]
    assert results["accounts"]["body"]["totalSize"] == 1
    assert len(sf_org.of_type("Contact")) == 1
    assert sf_org.api_used == used + 1  # five subrequests, one API request


def test_all_or_none_rolls_every_subrequest_back(
    sf: Salesforce, sf_org: SalesforceEmulator
) -> None:
    bad = {
        "method": "POST",
        "url": f"{V}/sobjects/Task",
        "referenceId": "bad",
        "body": {"Status": "Nope"},
    }
    answer = composite(sf, [account("first"), bad, account("last", "Later")], all_or_none=True)
    codes = [r["body"][0]["errorCode"] for r in answer["compositeResponse"]]
    assert codes == [
        "PROCESSING_HALTED",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "PROCESSING_HALTED",
    ]
    assert sf_org.of_type("Account") == []


def test_a_batch_of_every_kind_of_write_is_one_request_within_the_limits(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    case_id = sf_org.add("Case", Status="New", Subject="Broken")
    crm = make_crm(sf_org, https_session)
    for sobject in ("Task", "Case", "CaseComment"):  # describes read first: not counted below
        crm.schemas.get(sobject)
    before = sf_org.api_requests
    writes = [CrmWrite("Task", f"t-{n}", {"Subject": f"Task {n}"}) for n in range(1001)]
    writes.append(CrmWrite("Case", f"case-{case_id}", {"Id": case_id, "Status": "Closed"}))
    comment = {"ParentId": case_id, "CommentBody": "Fixed.\n[callsight-comment-c1]"}
    writes.append(CrmWrite("CaseComment", "callsight-comment-c1", comment, maybe_sent=False))
    results = crm.write(writes)
    assert all(result.ok for result in results), [r.error for r in results if not r.ok]
    # 6 Task collections, the Case and the comment: 8 collections, at most 5 a composite.
    assert sf_org.api_requests - before == 2
    assert sf_org.request_counts["composite"] == 2 and sf_org.request_counts["query"] == 0
    assert len(sf_org.of_type("Task")) == 1001 and len(sf_org.of_type("CaseComment")) == 1


def test_a_comment_that_may_have_been_sent_is_looked_for_first(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    case_id = sf_org.add("Case", Status="New", Subject="Broken")
    crm = make_crm(sf_org, https_session)
    comment = {"ParentId": case_id, "CommentBody": "Fixed.\n[callsight-comment-c1]"}
    sf_org.log_requests = True
    assert crm.write([CrmWrite("CaseComment", "callsight-comment-c1", comment)])[0].ok
    assert any("FROM CaseComment" in q for q in sf_org.soql)


def test_customers_found_by_email_are_matched_in_one_request(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    ana = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    li = sf_org.add("Contact", LastName="Li", Email="li@acme.test")
    case = sf_org.add("Case", Status="New", ContactId=li)
    numbered = sf_org.add("Case", Status="New", ContactId=ana)
    number = sf_org.records["Case"][numbered]["CaseNumber"]
    user = sf_org.add("User", Email="rep@callsight.test", IsActive=True)
    crm = make_crm(sf_org, https_session)
    hints = [
        MatchHint(email="ana@acme.test", case_ref=number, agent_email="rep@callsight.test"),
        MatchHint(email="li@acme.test", agent_email="rep@callsight.test"),
    ]
    before = sf_org.api_requests
    first, second = crm.match(hints)
    assert sf_org.api_requests - before == 1 and sf_org.request_counts["query"] == 4
    assert first is not None and (first.contact_id, first.case_id, first.owner_id) == (
        ana,
        numbered,
        user,
    )
    assert second is not None and (second.contact_id, second.case_id) == (li, case)


def test_a_query_salesforce_refuses_inside_a_composite_fails_the_match(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    crm = make_crm(sf_org, https_session)
    sf_org.schema.pop("User")  # the agent's User cannot be read
    with pytest.raises(StageError, match="INVALID_TYPE"):
        crm.match([MatchHint(email="ana@acme.test", agent_email="rep@callsight.test")])


def test_a_subrequest_salesforce_could_not_serve_now_is_retriable() -> None:
    message, retriable = describe_error(SubrequestFailed(503, "SERVER_UNAVAILABLE", "down"))
    assert retriable and message == "HTTP 503 SERVER_UNAVAILABLE: down"
    assert describe_error(SubrequestFailed(400, "UNABLE_TO_LOCK_ROW", "locked"))[1]
    assert not describe_error(SubrequestFailed(400, "INVALID_TYPE", "no User"))[1]
