"""The service configured for Salesforce, end to end against the emulator over HTTPS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trustme
from fastapi.testclient import TestClient

from agent.core.domain import CrmWrite
from agent.core.settings import Settings
from api.composition import build_salesforce_crm
from integrations.salesforce import SalesforceCrm
from support.audio import tone, write_wav
from support.polling import wait_for
from support.prometheus import parse
from support.salesforce_emulator import SalesforceEmulator


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, sf_org: SalesforceEmulator, test_ca: trustme.CA
) -> Settings:
    bundle = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        runner_workers=1,
        crm="salesforce",
        salesforce_login_url=sf_org.url,
        salesforce_client_id=sf_org.client_id,
        salesforce_client_secret=sf_org.client_secret,
        salesforce_ca_bundle=bundle,
        crm_retry_base_s=0.05,
        outbox_poll_s=0.1,
        crm_batch_window_s=0.3,
    )


def upload(client: TestClient, headers: dict[str, str], path: Path, **fields: str) -> str:
    with path.open("rb") as audio:
        response = client.post(
            "/api/v1/calls", headers=headers, files={"file": (path.name, audio)}, data=fields
        )
    assert response.status_code == 201, response.text
    call_id: str = response.json()["id"]
    return call_id


def rests(client: TestClient, headers: dict[str, str], call_id: str, status: str) -> Any:
    def check() -> Any:
        call = client.get(f"/api/v1/calls/{call_id}", headers=headers).json()
        assert call["status"] != "failed", call["failure_reason"]
        return call if call["status"] == status else None

    return wait_for(check, timeout=180)


def test_a_call_syncs_to_salesforce_and_an_edit_updates_it(
    client: TestClient,
    admin_headers: dict[str, str],
    sf_org: SalesforceEmulator,
    tmp_path: Path,
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    sf_org.faults.extend(["pass", "pass", "503"])  # two lookups pass, the first write fails
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    call_id = upload(client, admin_headers, beep, customer_email="ana@acme.test")
    call = rests(client, admin_headers, call_id, "done")
    assert call["crm"]["status"] == "synced" and call["crm"]["contact_id"] == contact
    assert call["crm"]["owner_id"] == sf_org.integration_user_id  # no agent named
    activity = next(r for r in call["crm"]["records"] if r["external_id"].endswith(call_id))
    assert activity["attempts"] == 2 and activity["crm_id"].startswith("00T")
    edit = {"summary": "Customer called about the adapter; fixed.", "resolution": "resolved"}
    edited = client.patch(f"/api/v1/calls/{call_id}", headers=admin_headers, json=edit)
    assert edited.status_code == 200, edited.text
    rests(client, admin_headers, call_id, "done")
    tasks = [t for t in sf_org.of_type("Task") if t["Callsight_Id__c"].endswith(call_id)]
    assert len(tasks) == 1 and tasks[0]["Id"] == activity["crm_id"]
    assert tasks[0]["Description"].startswith("Customer called about the adapter; fixed.")
    assert tasks[0]["WhoId"] == contact


def test_an_unmatched_call_is_held_and_linked_by_a_lead(
    client: TestClient,
    admin_headers: dict[str, str],
    lead_headers: dict[str, str],
    sf_org: SalesforceEmulator,
    tmp_path: Path,
) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    call_id = upload(client, admin_headers, beep, customer_email="who@nowhere.test")
    held = rests(client, admin_headers, call_id, "unmatched")
    assert held["crm"]["status"] == "unmatched" and "crm-links" in held["crm"]["hold_reason"]
    assert sf_org.of_type("Task") == []
    url = f"/api/v1/calls/{call_id}"
    bad = client.patch(url, headers=lead_headers, json={"resolution": "maybe"})
    assert bad.status_code == 422
    unknown_item = client.patch(url, headers=lead_headers, json={"action_items": [{"id": "nope"}]})
    assert unknown_item.status_code == 409 and "nope" in unknown_item.json()["detail"]
    empty = client.post(f"{url}/crm-links", headers=lead_headers, json={})
    assert empty.status_code == 409 and "opportunity_id" in empty.json()["detail"]
    account = sf_org.add("Account", Name="Nowhere Ltd")
    linked = client.post(f"{url}/crm-links", headers=lead_headers, json={"account_id": account})
    assert linked.status_code == 200, linked.text
    done = rests(client, admin_headers, call_id, "done")
    assert done["crm"]["account_id"] == account
    assert {t["WhatId"] for t in sf_org.of_type("Task")} == {account}
    again = client.post(f"{url}/crm-links", headers=lead_headers, json={"account_id": account})
    assert again.status_code == 409


def test_metrics_show_what_is_left_of_the_orgs_daily_api_limit(
    client: TestClient,
    admin_headers: dict[str, str],
    sf_org: SalesforceEmulator,
    tmp_path: Path,
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    sf_org.set_api_usage(40_000, limit=100_000)
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    rests(
        client,
        admin_headers,
        upload(client, admin_headers, beep, customer_email="ana@acme.test"),
        "done",
    )
    metrics = parse(client.get("/metrics").text)
    assert metrics.families["callsight_salesforce_api_remaining"] == "gauge"
    assert metrics.value("callsight_salesforce_api_remaining") == 100_000 - sf_org.api_used
    assert sf_org.api_used > 40_000
    assert metrics.value("callsight_salesforce_api_limit") == 100_000


def test_describe_expiry_and_api_usage_recheck_come_from_settings(
    settings: Settings, sf_org: SalesforceEmulator
) -> None:
    tuned = settings.model_copy(
        update={"salesforce_describe_ttl_s": 0.0, "salesforce_limits_recheck_s": 7.0}
    )
    crm = build_salesforce_crm(tuned)
    task = CrmWrite("Task", "callsight-call-settings", {"Subject": "Call"})
    assert crm.write([task])[0].ok and crm.write([task])[0].ok
    assert sf_org.request_counts["describe"] == 2  # kept 0 s: read again for each write
    assert isinstance(crm, SalesforceCrm) and crm.connection.limits.recheck_s == 7.0
    defaults = build_salesforce_crm(settings)
    assert isinstance(defaults, SalesforceCrm)
    assert (defaults.schemas.ttl_s, defaults.connection.limits.recheck_s) == (3600.0, 300.0)


def test_an_unmatched_sales_call_is_linked_to_its_deal(
    client: TestClient,
    admin_headers: dict[str, str],
    lead_headers: dict[str, str],
    sf_org: SalesforceEmulator,
    tmp_path: Path,
) -> None:
    account = sf_org.add("Account", Name="Prospect Ltd")
    deal = sf_org.add("Opportunity", Name="Pilot", StageName="Prospecting", AccountId=account)
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    call_id = upload(client, admin_headers, beep, customer_email="buyer@nowhere.test")
    rests(client, admin_headers, call_id, "unmatched")
    url = f"/api/v1/calls/{call_id}/crm-links"
    too_long = client.post(url, headers=lead_headers, json={"opportunity_id": "0" * 65})
    assert too_long.status_code == 422
    linked = client.post(url, headers=lead_headers, json={"opportunity_id": deal})
    assert linked.status_code == 200, linked.text
    done = rests(client, admin_headers, call_id, "done")
    assert (done["crm"]["opportunity_id"], done["crm"]["account_id"]) == (deal, account)
    assert {t["WhatId"] for t in sf_org.of_type("Task")} == {deal}
