"""The Salesforce emulator keeps the field rules a real org keeps, so the adapter's tests mean
something: ``describe`` as the object reference documents it, and writes that break it refused
with Salesforce's error codes."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from support.salesforce_emulator import SalesforceEmulator


def fields_of(sf: Salesforce, sobject: str) -> dict[str, dict[str, Any]]:
    answer = sf.restful(f"sobjects/{sobject}/describe")
    assert answer is not None
    return {field["name"]: field for field in answer["fields"]}


def refusal(sf: Salesforce, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful(path, method=method, json=body)
    content = caught.value.content
    assert isinstance(content, list) and len(content) == 1
    error: dict[str, Any] = content[0]
    return error


def test_describe_reports_the_field_properties_of_the_object_reference(sf: Salesforce) -> None:
    task = fields_of(sf, "Task")
    subtype = task["TaskSubtype"]
    assert (subtype["createable"], subtype["updateable"], subtype["restrictedPicklist"]) == (
        True,
        False,
        True,
    )
    assert (task["Subject"]["type"], task["Subject"]["length"]) == ("combobox", 255)
    assert (task["Description"]["type"], task["Description"]["length"]) == ("textarea", 32000)
    statuses = {v["value"]: v["defaultValue"] for v in task["Status"]["picklistValues"]}
    assert statuses["Not Started"] is True and "Completed" in statuses
    assert [v["value"] for v in task["Priority"]["picklistValues"]] == ["High", "Normal", "Low"]
    assert task["Callsight_Id__c"]["externalId"] is True
    comment = fields_of(sf, "CaseComment")
    assert comment["CommentBody"]["length"] == 4000
    assert (comment["ParentId"]["createable"], comment["ParentId"]["updateable"]) == (True, False)
    assert not any(name.endswith("__c") for name in comment)  # no custom fields on comments
    case = fields_of(sf, "Case")
    assert {"Status", "Priority", "Origin"} <= {n for n, f in case.items() if f["picklistValues"]}
    opportunity = fields_of(sf, "Opportunity")
    assert opportunity["NextStep"]["length"] == 255
    assert {"StageName", "Amount"} <= set(opportunity)
    event = fields_of(sf, "Event")
    assert {"Subject", "DurationInMinutes", "ActivityDateTime"} <= set(event)
    assert {"Email", "Phone"} <= set(fields_of(sf, "Contact"))
    assert {"Email", "IsActive"} <= set(fields_of(sf, "User"))
    assert "Name" in fields_of(sf, "Account")


def test_writes_that_break_the_field_rules_are_refused_with_salesforces_errors(
    sf: Salesforce, sf_org: SalesforceEmulator
) -> None:
    made = sf.restful(
        "sobjects/Task", method="POST", json={"Subject": "Call", "TaskSubtype": "Call"}
    )
    assert made is not None
    task_id = made["id"]
    task = sf_org.records["Task"][task_id]
    assert (task["Status"], task["Priority"]) == ("Not Started", "Normal")
    assert task["OwnerId"] == sf_org.integration_user_id  # defaulted on create
    path = f"sobjects/Task/{task_id}"
    create_only = refusal(sf, "PATCH", path, {"TaskSubtype": "Call", "Subject": "Again"})
    assert create_only["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert create_only["fields"] == ["TaskSubtype"]
    too_long = refusal(sf, "PATCH", path, {"Subject": "x" * 256})
    assert (too_long["errorCode"], too_long["fields"]) == ("STRING_TOO_LONG", ["Subject"])
    picklist = refusal(sf, "PATCH", path, {"Priority": "Urgent"})
    assert picklist["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert "Urgent" in picklist["message"]
    unknown = refusal(sf, "PATCH", path, {"Mood__c": "calm"})
    assert unknown["errorCode"] == "INVALID_FIELD" and "Mood__c" in unknown["message"]
    read_only = refusal(sf, "POST", "sobjects/Task", {"IsClosed": True})
    assert read_only["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    orphan = refusal(sf, "POST", "sobjects/CaseComment", {"CommentBody": "hi"})
    assert (orphan["errorCode"], orphan["fields"]) == ("REQUIRED_FIELD_MISSING", ["ParentId"])
    assert sf.restful(path, method="PATCH", json={"Description": "y" * 32000}) is None
    assert sf_org.records["Task"][task_id]["Subject"] == "Call"


def test_a_collection_answers_per_record_and_all_or_none_rolls_back(
    sf: Salesforce, sf_org: SalesforceEmulator
) -> None:
    good = {"attributes": {"type": "Task"}, "Subject": "Good"}
    bad = {"attributes": {"type": "Task"}, "Subject": "Bad", "Status": "Open"}
    body = {"allOrNone": False, "records": [good, bad]}
    answer = sf.restful("composite/sobjects", method="POST", json=body)
    assert answer is not None and [item["success"] for item in answer] == [True, False]
    assert answer[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert answer[1]["errors"][0]["fields"] == ["Status"]
    before = sf_org.of_type("Task")
    body["allOrNone"] = True
    answer = sf.restful("composite/sobjects", method="POST", json=body)
    assert answer is not None and not any(item["success"] for item in answer)
    codes = [item["errors"][0]["statusCode"] for item in answer]
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]
    assert sf_org.of_type("Task") == before


def test_fault_hooks_lose_answers_lock_rows_and_aim_at_one_kind_of_request(
    sf: Salesforce, sf_org: SalesforceEmulator
) -> None:
    body = {"allOrNone": False, "records": [{"attributes": {"type": "Task"}, "Subject": "A"}]}
    sf_org.script("collections", "lost")
    with pytest.raises(requests.ConnectionError):
        sf.restful("composite/sobjects", method="POST", json=body)
    assert len(sf_org.of_type("Task")) == 1  # applied, though nobody heard of it
    sf_org.script("collections", "lock")
    sf_org.script("query", "pass")
    assert sf.query("SELECT Id FROM Task")["totalSize"] == 1
    locked = sf.restful("composite/sobjects", method="POST", json=body)
    assert locked is not None and locked[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert len(sf_org.of_type("Task")) == 1
    with pytest.raises(SalesforceMalformedRequest, match="INVALID_FIELD"):
        sf.query("SELECT Id, Mood__c FROM Task")
