"""Sales calls on Salesforce Opportunities: logged on the deal, its next step updated, its stage
and amount left alone."""

from __future__ import annotations

import json
import random

import requests
from sqlalchemy import Engine
from sqlmodel import Session

from agent.core.tables import Call, Summary
from agent.crm.sync import CrmSync, RetryPolicy
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from support.factories import make_call_ready_for_crm
from support.salesforce_emulator import SalesforceEmulator

FAST = RetryPolicy(base_s=0.001, cap_s=0.01, max_attempts=20)


def make_sync(org: SalesforceEmulator, session: requests.Session, engine: Engine) -> CrmSync:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    crm = SalesforceCrm(SalesforceConnection(auth, session, timeout_s=10))
    return CrmSync(engine, crm, policy=FAST, rng=random.Random(5))


def deal(org: SalesforceEmulator, account: str, stage: str = "Negotiation/Review") -> str:
    return org.add(
        "Opportunity",
        Name="Acme renewal",
        AccountId=account,
        StageName=stage,
        Amount=50_000,
        CloseDate="2026-12-31",
        NextStep="Wait for the call",
    )


def sales_call(
    engine: Engine, email: str, opportunity: str | None, next_steps: list[str], items: int = 2
) -> str:
    with Session(engine) as session:
        call_id = make_call_ready_for_crm(session, email=email, items=items)
        call, summary = session.get_one(Call, call_id), session.get_one(Summary, call_id)
        call.crm_opportunity_id = opportunity
        summary.next_steps = next_steps
        summary.competitors = ["Gong", "Chorus"]
        summary.objections = ["Price is above this year's budget"]
        session.add_all([call, summary])
        session.commit()
    return call_id


def test_a_call_about_a_deal_is_logged_on_it_and_sets_only_its_next_step(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    account = sf_org.add("Account", Name="Acme")
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test", AccountId=account)
    case = sf_org.add("Case", Status="New", ContactId=contact)
    opportunity = deal(sf_org, account)
    steps = ["Send the revised quote by Friday", "Book a demo with their CTO"]
    call_id = sales_call(engine, "ana@acme.test", opportunity, steps)
    sf_org.log_requests = True
    report = make_sync(sf_org, https_session, engine).flush()
    assert report.done_calls == [call_id]
    tasks = {t["Callsight_Id__c"]: t for t in sf_org.of_type("Task")}
    assert len(tasks) == 3 and {t["WhatId"] for t in tasks.values()} == {opportunity}
    logged = tasks[f"callsight-call-{call_id}"]
    assert "Competitors: Gong, Chorus" in logged["Description"]
    assert "- Price is above this year's budget" in logged["Description"]
    (saved,) = sf_org.of_type("Opportunity")
    assert saved["NextStep"] == "Send the revised quote by Friday; Book a demo with their CTO"
    assert (saved["StageName"], saved["Amount"]) == ("Negotiation/Review", 50_000)
    bodies = json.dumps([body for _, _, body in sf_org.requests])
    assert "StageName" not in bodies and "Amount" not in bodies
    assert sf_org.of_type("CaseComment") == []  # the contact's open case is not the call's
    assert next(c for c in sf_org.of_type("Case") if c["Id"] == case)["Status"] == "New"


def test_a_call_on_an_account_with_one_open_deal_is_matched_to_it(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    one = sf_org.add("Account", Name="One deal")
    sf_org.add("Contact", LastName="Ng", Email="ana@one.test", AccountId=one)
    open_deal = deal(sf_org, one)
    deal(sf_org, one, stage="Closed Lost")
    two = sf_org.add("Account", Name="Two deals")
    sf_org.add("Contact", LastName="Bo", Email="bo@two.test", AccountId=two)
    deal(sf_org, two)
    deal(sf_org, two, stage="Prospecting")
    long_step = "Follow up on the pilot's results with procurement and legal " * 6
    matched = sales_call(engine, "ana@one.test", None, [long_step], items=0)
    ambiguous = sales_call(engine, "bo@two.test", None, ["Call back"], items=0)
    make_sync(sf_org, https_session, engine).flush()
    with Session(engine) as session:
        assert session.get_one(Call, matched).crm_opportunity_id == open_deal
        assert session.get_one(Call, ambiguous).crm_opportunity_id is None
    tasks = {t["Callsight_Id__c"]: t for t in sf_org.of_type("Task")}
    assert tasks[f"callsight-call-{matched}"]["WhatId"] == open_deal
    assert tasks[f"callsight-call-{ambiguous}"]["WhatId"] == two
    next_step = sf_org.records["Opportunity"][open_deal]["NextStep"]
    assert len(next_step) == 255 and next_step.endswith("… [truncated]")
    untouched = [o for o in sf_org.of_type("Opportunity") if o["AccountId"] == two]
    assert {o["NextStep"] for o in untouched} == {"Wait for the call"}


def test_a_call_uploaded_with_only_its_deal_belongs_to_the_deals_account(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    account = sf_org.add("Account", Name="Acme")
    opportunity = deal(sf_org, account)
    call_id = sales_call(engine, "unknown@nowhere.test", opportunity, ["Send the contract"])
    make_sync(sf_org, https_session, engine).flush()
    with Session(engine) as session:
        call = session.get_one(Call, call_id)
        assert (call.status, call.crm_account_id) == ("done", account)
    assert sf_org.records["Opportunity"][opportunity]["NextStep"] == "Send the contract"
