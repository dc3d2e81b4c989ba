"""Engagement with Salesforce: lifecycle and won deals read incrementally, health written back
only when it changed, in composite requests, one refused account apart from the rest."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.core.ports import StageError
from agent.core.settings import Settings
from agent.core.tables import Customer
from agent.engagement.crm_sync import EngagementSync
from agent.engagement.tables import CustomerLifecycle, HealthWrittenToCrm, RevenueEvent
from agent.kpis.periods import KpiConfig
from integrations.salesforce import ClientCredentials, SalesforceConnection
from integrations.salesforce.engagement import EngagementFields, SalesforceEngagement
from support.salesforce_emulator import SalesforceEmulator
from support.salesforce_objects import picklist

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
WEIGHTS = {"revenue_recency": 1.0}


def make_sync(
    org: SalesforceEmulator,
    session: requests.Session,
    engine: Engine,
    fields: EngagementFields | None = None,
    batch_size: int = 200,
) -> EngagementSync:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    crm = SalesforceEngagement(
        SalesforceConnection(auth, session), fields, currency="EUR", batch_size=batch_size
    )
    return EngagementSync(engine, crm, KpiConfig(), WEIGHTS)


def customer(engine: Engine, name: str, crm_id: str) -> int:
    with Session(engine) as session:
        row = Customer(name=name, crm_id=crm_id)
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def won(org: SalesforceEmulator, account_id: str, amount: float, closed: str = "2026-05-20") -> str:
    return org.add(
        "Opportunity",
        Name="Deal",
        AccountId=account_id,
        StageName="Closed Won",
        Amount=amount,
        CloseDate=closed,
        IsWon=True,
    )


def revenue(engine: Engine) -> dict[str, tuple[int, str]]:
    with Session(engine) as session:
        events = session.exec(select(RevenueEvent)).all()
        return {e.external_id: (e.amount_e4, e.currency) for e in events}


def test_the_first_pull_reads_lifecycle_dates_and_won_deals_of_known_accounts(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    acme = sf_org.add(
        "Account",
        Name="Acme",
        Callsight_Customer_Since__c="2025-01-15",
        Callsight_Churned_At__c="2026-04-30",
    )
    stranger = sf_org.add("Account", Name="Stranger")
    customer_id = customer(engine, "Acme", acme)
    deal = won(sf_org, acme, 1200.5)
    sf_org.add(
        "Opportunity",
        Name="Lost",
        AccountId=acme,
        StageName="Closed Lost",
        Amount=50,
        CloseDate="2026-05-01",
    )
    won(sf_org, stranger, 10)

    pulled, _ = make_sync(sf_org, https_session, engine).run(now=NOW)

    assert (pulled.customers_updated, pulled.revenue_added) == (1, 1)
    assert pulled.unknown_accounts == [stranger]
    assert revenue(engine) == {deal: (12_005_000, "EUR")}
    with Session(engine) as session:
        (lifecycle,) = session.exec(select(CustomerLifecycle)).all()
    assert lifecycle.customer_id == customer_id and lifecycle.external_id == acme
    assert lifecycle.since_ts == int(dt.datetime(2025, 1, 15, tzinfo=dt.UTC).timestamp())
    assert lifecycle.churned_ts == int(dt.datetime(2026, 4, 30, tzinfo=dt.UTC).timestamp())


def test_later_pulls_ask_only_for_changes_and_follow_amounts_and_lost_deals(
    sf_org: SalesforceEmulator,
    https_session: requests.Session,
    engine: Engine,
    sf: Salesforce,
) -> None:
    acme = sf_org.add("Account", Name="Acme", Callsight_Customer_Since__c="2025-01-15")
    customer(engine, "Acme", acme)
    first, second = won(sf_org, acme, 100), won(sf_org, acme, 200)
    sync = make_sync(sf_org, https_session, engine)
    sync.run(now=NOW)
    sf_org.log_requests = True

    again, _ = sync.run(now=NOW)
    assert (again.customers_updated, again.revenue_added, again.revenue_updated) == (0, 0, 0)
    assert all("SystemModstamp >= 2026-01-01T00:00:" in q for q in sf_org.soql)

    sf.Opportunity.update(first, {"Amount": 150.25})
    sf.Opportunity.update(second, {"StageName": "Negotiation/Review"})
    sf.Account.update(acme, {"Callsight_Churned_At__c": "2026-05-31"})
    changed, _ = sync.run(now=NOW)
    assert (changed.revenue_updated, changed.revenue_removed) == (1, 1)
    assert changed.customers_updated == 1
    assert revenue(engine) == {first: (1_502_500, "EUR")}
    with Session(engine) as session:
        (lifecycle,) = session.exec(select(CustomerLifecycle)).all()
    assert lifecycle.churned_ts == int(dt.datetime(2026, 5, 31, tzinfo=dt.UTC).timestamp())


def test_pages_of_query_results_are_all_read(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    sf_org.page_size = 2
    acme = sf_org.add("Account", Name="Acme")
    customer(engine, "Acme", acme)
    deals = {won(sf_org, acme, 10 + n) for n in range(5)}
    make_sync(sf_org, https_session, engine).run(now=NOW)
    assert set(revenue(engine)) == deals


def accounts_with_revenue(
    org: SalesforceEmulator, engine: Engine, count: int, closed: str = "2026-05-20"
) -> list[str]:
    ids = []
    for n in range(count):
        account = org.add("Account", Name=f"Customer {n}")
        customer(engine, f"Customer {n}", account)
        won(org, account, 100, closed)
        ids.append(account)
    return ids


def test_health_is_written_in_one_composite_and_only_again_when_it_changes(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    accounts = accounts_with_revenue(sf_org, engine, 3, closed="2026-03-01")
    sync = make_sync(sf_org, https_session, engine, batch_size=2)
    sync.run(now=NOW)  # describe and the pull first, so that only the writes are logged below
    with Session(engine) as session:
        for row in session.exec(select(HealthWrittenToCrm)):
            session.delete(row)
        session.commit()
    sf_org.log_requests = True

    _, pushed = sync.run(now=NOW)

    # The emulator logs a composite, then each of its subrequests.
    writes = [(m, p) for m, p, _ in sf_org.requests if m != "GET"]
    collection = ("PATCH", "composite/sobjects")
    assert pushed.written == 3 and writes == [("POST", "composite"), collection, collection]
    for account in accounts:
        record = sf_org.records["Account"][account]
        assert 0 < record["Callsight_Health_Score__c"] < 100
        assert record["Callsight_Risk_Reason__c"].startswith("revenue_recency: last payment")
    sf_org.requests.clear()
    _, unchanged = sync.run(now=NOW)
    assert (unchanged.written, unchanged.unchanged) == (0, 3)
    assert [m for m, _, _ in sf_org.requests if m != "GET"] == []
    _, later = sync.run(now=NOW + dt.timedelta(days=10))
    assert later.written == 3


def test_one_refused_account_leaves_the_others_written_and_is_tried_again(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    accounts_with_revenue(sf_org, engine, 2)
    sync = make_sync(sf_org, https_session, engine)
    sync.run(now=NOW)
    gone = "001000000000999AAA"
    with Session(engine) as session:
        for row in session.exec(select(HealthWrittenToCrm)):
            session.delete(row)
        mapped = session.exec(select(Customer)).first()
        assert mapped is not None
        mapped.crm_id = gone  # an account Salesforce no longer has
        session.add(mapped)
        session.commit()
    _, pushed = sync.run(now=NOW)
    assert pushed.written == 1
    assert list(pushed.failed) == [gone] and "INVALID_ID_FIELD" in pushed.failed[gone]
    _, again = sync.run(now=NOW)
    assert list(again.failed) == [gone] and again.written == 0


def test_the_reason_is_cut_to_the_length_the_org_describes(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    field = sf_org.schema["Account"]["Callsight_Risk_Reason__c"]
    sf_org.schema["Account"][field.name] = dataclasses.replace(field, length=30)
    (account,) = accounts_with_revenue(sf_org, engine, 1, closed="2026-03-01")
    make_sync(sf_org, https_session, engine).run(now=NOW)
    reason = sf_org.records["Account"][account]["Callsight_Risk_Reason__c"]
    assert len(reason) == 30 and reason.endswith("… [truncated]")


def test_a_score_field_the_integration_user_cannot_edit_is_named(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    field = sf_org.schema["Account"]["Callsight_Health_Score__c"]
    sf_org.schema["Account"][field.name] = dataclasses.replace(field, updateable=False)
    accounts_with_revenue(sf_org, engine, 1)
    with pytest.raises(StageError, match=r"Account\.Callsight_Health_Score__c may not be set"):
        make_sync(sf_org, https_session, engine).run(now=NOW)


def test_a_lifecycle_field_the_org_lacks_is_named(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    fields = EngagementFields(customer_since="Became_Customer__c")
    with pytest.raises(StageError, match=r"Account\.Became_Customer__c is not a field"):
        make_sync(sf_org, https_session, engine, fields).run(now=NOW)


def test_the_org_refuses_what_the_reference_says_it_would(
    sf_org: SalesforceEmulator, sf: Salesforce
) -> None:
    account = sf_org.add("Account", Name="Acme")
    refusals = {
        "STRING_TOO_LONG": {"Callsight_Risk_Reason__c": "x" * 256},
        "NUMBER_OUTSIDE_VALID_RANGE": {"Callsight_Health_Score__c": 1000},
        "INVALID_FIELD_FOR_INSERT_UPDATE": {"SystemModstamp": "2026-01-01T00:00:00.000+0000"},
    }
    for code, fields in refusals.items():
        with pytest.raises(SalesforceMalformedRequest, match=code):
            sf.Account.update(account, fields)
    opportunity = won(sf_org, account, 10)
    with pytest.raises(SalesforceMalformedRequest, match="INVALID_FIELD_FOR_INSERT_UPDATE"):
        sf.Opportunity.update(opportunity, {"IsWon": False})
    with pytest.raises(SalesforceMalformedRequest, match="INVALID_OR_NULL_FOR_RESTRICTED"):
        sf.Opportunity.update(opportunity, {"StageName": "Won"})


@pytest.mark.parametrize("name", ["Health Score", "Score__c;", "_Score", "Score__", "a__b__c"])
def test_field_names_that_cannot_be_salesforce_api_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"CALLSIGHT_SALESFORCE_RISK_REASON_FIELD .* API name"):
        Settings(salesforce_risk_reason_field=name)


def test_a_multi_currency_org_gives_each_deal_its_own_currency(
    sf_org: SalesforceEmulator, https_session: requests.Session, engine: Engine
) -> None:
    # Multi-currency orgs add CurrencyIsoCode to every object; Opportunity's describe shows it.
    sf_org.schema["Opportunity"]["CurrencyIsoCode"] = picklist(
        "CurrencyIsoCode", ("EUR", "JPY", "USD"), "USD", restricted=True
    )
    acme = sf_org.add("Account", Name="Acme")
    customer(engine, "Acme", acme)
    deal = sf_org.add(
        "Opportunity",
        Name="Deal",
        AccountId=acme,
        StageName="Closed Won",
        Amount=50000,
        CloseDate="2026-05-20",
        CurrencyIsoCode="JPY",
    )
    make_sync(sf_org, https_session, engine).run(now=NOW)
    assert revenue(engine) == {deal: (500_000_000, "JPY")}
