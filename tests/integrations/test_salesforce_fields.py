"""The adapter fits each record to the org's ``describe``: lengths, picklists, permissions."""

from __future__ import annotations

import time

import requests

from agent.core.domain import CrmWrite
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from support.salesforce_emulator import SalesforceEmulator


def make_crm(
    org: SalesforceEmulator, session: requests.Session, describe_ttl_s: float = 3600
) -> SalesforceCrm:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    return SalesforceCrm(SalesforceConnection(auth, session), describe_ttl_s=describe_ttl_s)


def test_text_is_cut_to_the_orgs_field_lengths_with_a_visible_marker(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session)
    fields: dict[str, object] = {"Subject": "s" * 300, "Description": "d" * 40_000}
    assert crm.write([CrmWrite("Task", "long", fields)])[0].ok
    (task,) = sf_org.of_type("Task")
    assert len(task["Subject"]) == 255 and task["Subject"].endswith("… [truncated]")
    assert len(task["Description"]) == 32_000 and task["Description"].endswith("… [truncated]")
    assert task["Subject"].startswith("s" * 200)


def test_picklist_values_are_spelt_as_the_org_spells_them(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.set_picklist("Task", "Priority", ("Urgent", "Medium", "Low"), default="Medium")
    sf_org.set_picklist("Task", "Status", ("open", "In Progress", "Done"), default="open")
    crm = make_crm(sf_org, https_session)
    writes = [
        CrmWrite("Task", "a", {"Subject": "A", "Priority": "High", "Status": "Not Started"}),
        CrmWrite("Task", "b", {"Subject": "B", "Priority": "Normal", "Status": "Completed"}),
        CrmWrite("Task", "c", {"Subject": "C", "Priority": "Low", "Status": "In Progress"}),
    ]
    assert all(result.ok for result in crm.write(writes))
    tasks = {t["Callsight_Id__c"]: (t["Priority"], t["Status"]) for t in sf_org.of_type("Task")}
    assert tasks == {
        "a": ("Urgent", "open"),
        "b": ("Medium", "Done"),
        "c": ("Low", "In Progress"),
    }


def test_a_picklist_value_the_org_lacks_is_a_clear_error_and_nothing_is_sent(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    case_id = sf_org.add("Case", Status="New")
    sf_org.set_picklist("Case", "Status", ("New", "Working", "Closed"), default="New")
    crm = make_crm(sf_org, https_session)
    result = crm.write([CrmWrite("Case", "case-1", {"Id": case_id, "Status": "Escalated"})])[0]
    assert not result.ok and not result.retriable
    assert "Case.Status" in (result.error or "") and "'Escalated'" in (result.error or "")
    assert "New, Working, Closed" in (result.error or "")
    assert sf_org.request_counts["collections"] == 0
    sf_org.set_picklist("Case", "Status", ("New", "Escalated", "Closed"), default="New")
    assert crm.write([CrmWrite("Case", "case-1", {"Id": case_id, "Status": "Escalated"})])[0].ok
    assert sf_org.of_type("Case")[0]["Status"] == "Escalated"


def test_a_field_the_integration_user_cannot_see_or_edit_is_named_in_the_error(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    hidden = sf_org.schema["Task"].pop("CallDurationInSeconds")
    crm = make_crm(sf_org, https_session)
    fields: dict[str, object] = {"Subject": "Call", "CallDurationInSeconds": 60}
    result = crm.write([CrmWrite("Task", "t", fields)])[0]
    assert not result.ok and not result.retriable
    assert "Task.CallDurationInSeconds" in (result.error or "")
    assert "permission set" in (result.error or "")
    sf_org.schema["Task"]["CallDurationInSeconds"] = hidden  # the admin grants it
    assert crm.write([CrmWrite("Task", "t", fields)])[0].ok
    read_only = crm.write([CrmWrite("Task", "u", {"Subject": "x", "IsClosed": True})])[0]
    assert not read_only.ok and "Task.IsClosed may not be set" in (read_only.error or "")


def test_describe_is_read_once_per_object_and_again_once_it_expires(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session, describe_ttl_s=0.5)
    for n in range(3):
        assert crm.write([CrmWrite("Task", f"t{n}", {"Subject": "Call"})])[0].ok
    assert sf_org.request_counts["describe"] == 1
    time.sleep(0.6)
    assert crm.write([CrmWrite("Task", "t9", {"Subject": "Call"})])[0].ok
    assert sf_org.request_counts["describe"] == 2


def test_describe_during_an_outage_leaves_the_writes_to_retry(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    crm = make_crm(sf_org, https_session)
    sf_org.script("describe", "503")
    result = crm.write([CrmWrite("Task", "t", {"Subject": "Call"})])[0]
    assert result.retriable and "SERVER_UNAVAILABLE" in (result.error or "")
    assert sf_org.of_type("Task") == []
    assert crm.write([CrmWrite("Task", "t", {"Subject": "Call"})])[0].ok
