"""Matching's lookups: kept a while per value, asked again once expired, and as few queries as
Salesforce's URL limit allows."""

from __future__ import annotations

import requests

from agent.core.domain import CrmWrite, MatchHint
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm, soql
from support.clock import FakeClock
from support.salesforce_emulator import SalesforceEmulator


def make_crm(
    org: SalesforceEmulator, session: requests.Session, clock: FakeClock, ttl_s: float = 300
) -> SalesforceCrm:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    connection = SalesforceConnection(auth, session, timeout_s=10)
    return SalesforceCrm(connection, lookup_ttl_s=ttl_s, clock=clock.seconds)


def test_a_customer_and_agent_seen_again_are_matched_without_a_request_until_expiry(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    case = sf_org.add("Case", Status="New", ContactId=contact)
    user = sf_org.add("User", Email="rep@callsight.test", IsActive=True)
    clock = FakeClock()
    crm = make_crm(sf_org, https_session, clock)
    hint = MatchHint(email="ana@acme.test", agent_email="rep@callsight.test")
    first = crm.match([hint])
    asked = sf_org.request_counts["query"]
    assert asked == 3  # Contact by email, her open Case, the agent's User

    clock.advance(299)
    again = crm.match([MatchHint(email="ANA@acme.test ", agent_email="Rep@callsight.test")])
    assert sf_org.request_counts["query"] == asked  # all from the cache
    assert again == first and first[0] is not None
    assert (first[0].contact_id, first[0].case_id, first[0].owner_id) == (contact, case, user)

    clock.advance(1)
    crm.match([hint])
    assert sf_org.request_counts["query"] == 2 * asked  # expired: asked again


def test_only_values_not_kept_are_asked_for(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    sf_org.add("Contact", LastName="Li", Email="li@acme.test")
    crm = make_crm(sf_org, https_session, FakeClock())
    crm.match([MatchHint(email="ana@acme.test")])
    sf_org.log_requests = True
    links = crm.match([MatchHint(email="ana@acme.test"), MatchHint(email="li@acme.test")])
    assert all(link is not None for link in links)
    contact_queries = [q for q in sf_org.soql if " FROM Contact WHERE" in q.split("(")[0]]
    assert len(contact_queries) == 1
    assert "li@acme.test" in contact_queries[0] and "ana@acme.test" not in contact_queries[0]


def test_with_no_expiry_every_match_asks_again(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    crm = make_crm(sf_org, https_session, FakeClock(), ttl_s=0)
    crm.match([MatchHint(email="ana@acme.test")])
    crm.match([MatchHint(email="ana@acme.test")])
    assert sf_org.request_counts["query"] == 4  # Contact and open Case, twice


def test_a_case_callsight_closes_is_not_offered_from_the_cache_to_the_next_call(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    case = sf_org.add("Case", Status="New", ContactId=contact)
    crm = make_crm(sf_org, https_session, FakeClock())
    first = crm.match([MatchHint(email="ana@acme.test")])[0]
    assert first is not None and first.case_id == case
    closed = crm.write([CrmWrite("Case", f"case-{case}", {"Id": case, "Status": "Closed"}, case)])
    assert closed[0].ok
    later = crm.match([MatchHint(email="ana@acme.test")])[0]
    assert later is not None and later.case_id is None


def test_a_thousand_customers_are_looked_up_in_a_few_queries_under_the_url_limit(
    sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    emails = [f"customer.number.{n}@a-rather-long-company-name.example" for n in range(1000)]
    ids = [sf_org.add("Contact", LastName=f"C{n}", Email=e) for n, e in enumerate(emails)]
    crm = make_crm(sf_org, https_session, FakeClock())
    links = crm.match([MatchHint(email=e) for e in emails])
    assert [link.contact_id if link else None for link in links] == ids
    # 100 values a query would take 10 for the Contacts and 10 for their open Cases.
    assert sf_org.request_counts["query"] <= 10


def test_a_value_too_long_to_match_anything_is_left_out_of_the_query() -> None:
    template = "SELECT Id FROM Contact WHERE Email IN {0}"
    built = list(soql.queries(template, ["a@b.test", "x" * 20_000, "a@b.test"]))
    assert built == ["SELECT Id FROM Contact WHERE Email IN ('a@b.test')"]
    many = list(soql.queries(template, [f"{n:05d}@example.test" for n in range(3000)]))
    assert len(many) > 1
    assert all(soql.encoded_bytes(query) <= soql.MAX_QUERY_BYTES for query in many)
