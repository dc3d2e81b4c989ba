"""``callsight process`` with the call's metadata, under CALLSIGHT_CRM=salesforce (the emulator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trustme
from click.testing import CliRunner

from api.cli.main import main
from support.audio import tone, write_wav
from support.cli import salesforce_env
from support.salesforce_emulator import SalesforceEmulator


def process(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["process", "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    call: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return call


@pytest.mark.slow
def test_process_given_the_customer_agent_and_case_is_matched_and_synced(
    database_url: str, tmp_path: Path, sf_org: SalesforceEmulator, test_ca: trustme.CA
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test", Phone="+44 20 7946 0101")
    case = sf_org.add("Case", Status="New", ContactId=contact)
    number = sf_org.records["Case"][case]["CaseNumber"]
    rep = sf_org.add("User", Email="rep@callsight.test", IsActive=True)
    env = salesforce_env(database_url, tmp_path, sf_org, test_ca)
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    call = process(
        env,
        str(beep),
        "--customer-name", "Ana Ng",
        "--customer-phone", "+44 20 7946 0101",
        "--agent-name", "Rep",
        "--agent-email", "rep@callsight.test",
        "--crm-case-id", number,
        "--direction", "outbound",
        "--started-at", "2026-11-18T23:30:00-05:00",
    )  # fmt: skip
    assert call["status"] == "done", call.get("failure_reason")
    crm = call["crm"]
    assert (crm["contact_id"], crm["case_id"], crm["owner_id"]) == (contact, case, rep)
    (task,) = sf_org.of_type("Task")
    assert (task["WhoId"], task["WhatId"], task["OwnerId"]) == (contact, case, rep)
    assert (task["CallType"], task["ActivityDate"]) == ("Outbound", "2026-11-19")
    unnamed = process(env, str(beep), "--customer", "Someone")
    assert unnamed["status"] == "unmatched"
    account = sf_org.add("Account", Name="Acme")
    opportunity = sf_org.add(
        "Opportunity",
        Name="Renewal",
        AccountId=account,
        StageName="Prospecting",
        CloseDate="2026-12-31",
    )
    sales = process(env, str(beep), "--crm-opportunity-id", opportunity)
    assert (sales["status"], sales["crm"]["opportunity_id"]) == ("done", opportunity)
    assert sales["crm"]["account_id"] == account


def test_process_refuses_a_malformed_start_time_and_direction(
    database_url: str, tmp_path: Path, sf_org: SalesforceEmulator, test_ca: trustme.CA
) -> None:
    env = salesforce_env(database_url, tmp_path, sf_org, test_ca)
    beep = write_wav(tmp_path / "beep.wav", [tone(0.1)])
    runner = CliRunner()
    late = runner.invoke(main, ["process", str(beep), "--started-at", "yesterday"], env=env)
    assert late.exit_code == 2
    assert "--started-at: 'yesterday' is not an ISO 8601 date and time" in late.output
    sideways = runner.invoke(main, ["process", str(beep), "--direction", "sideways"], env=env)
    assert sideways.exit_code == 2 and "sideways" in sideways.output
    assert sf_org.api_requests == 0
