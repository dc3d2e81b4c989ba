"""The customers pages without a browser: the list's scores, sorting, filters and scoping, and a
customer's health, KPIs and timeline."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.settings import Settings
from api.web import customers as customers_pages
from support.customers import EVERYONE, REPS, seed_customers
from support.keys import make_token
from support.web import HTML, signed_in


@pytest.fixture
def ids(settings: Settings, engine: Engine) -> dict[str, int]:
    for name, email in REPS.items():
        make_token(settings, Role.REP, name, email)
    with Session(engine) as session:
        return seed_customers(session)


@pytest.fixture
def lead(client: TestClient, settings: Settings) -> Iterator[TestClient]:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    yield client


def names(page: str) -> list[str]:
    return re.findall(r'<a href="/customers/\d+">([^<]+)</a>', page)


def row(page: str, name: str) -> str:
    match = re.search(
        rf'<tr data-customer-id="\d+">\s*<td[^>]*><div><a[^>]*>{name}</a>.*?</tr>', page, re.S
    )
    assert match, name
    return match.group(0)


def test_the_list_shows_each_customer_with_score_band_trend_and_reason(
    lead: TestClient, ids: dict[str, int]
) -> None:
    page = lead.get("/customers", headers=HTML)
    assert page.status_code == 200
    assert names(page.text) == ["Dune", "Acme", "Birch", "Cedar", "Zephyr"]
    assert "5 customers" in page.text
    dune = row(page.text, "Dune")
    assert "At risk" in dune and "band-at_risk" in dune and "SMB" in dune
    assert "<strong>Recent payment</strong>: last payment 170 days ago (-93.3 points)" in dune
    # 170 days since the payment scores 1 - 140/150; 30 days before, 1 - 110/150.
    assert "<strong>7</strong>" in dune and "-20.0" in dune
    # Every 15 days back from 75 days ago: 245 days since the payment and less, down to 170.
    assert 'aria-label="Health score every 15 days, oldest first: 57, 47, 37, 27, 17, 7"' in dune
    assert "Healthy" in row(page.text, "Birch") and "No score" in row(page.text, "Zephyr")
    assert "Churned" in row(page.text, "Cedar")
    acme = row(page.text, "Acme")
    assert (
        "Enterprise" in acme
        and "<strong>Contact frequency</strong>: 1 contacts in 30 days, usually 0.2" in acme
    )
    assert 'aria-current="page">Customers</a>' in page.text


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", ["Acme", "Birch", "Cedar", "Dune", "Zephyr"]),
        ("trend", ["Dune", "Acme", "Birch", "Cedar", "Zephyr"]),
        ("last_contact", ["Acme", "Birch", "Cedar", "Dune", "Zephyr"]),
        ("score", ["Dune", "Acme", "Birch", "Cedar", "Zephyr"]),
    ],
)
def test_each_sort_orders_the_list_and_says_so(
    lead: TestClient, ids: dict[str, int], sort: str, order: list[str]
) -> None:
    page = lead.get(f"/customers?sort={sort}", headers=HTML)
    assert names(page.text) == order
    assert re.search(rf'<option value="{sort}" selected>', page.text)
    assert re.search(rf'href="/customers\?sort={sort}" aria-current="true"', page.text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=&segment=&health=&sort=&page=", EVERYONE),
        ("name=ac", ["Acme"]),
        ("segment=smb", ["Dune", "Birch", "Cedar"]),
        ("health=at_risk", ["Dune"]),
        ("health=unscored", ["Zephyr"]),
        ("name=d&segment=SMB&health=at_risk&sort=name&page=1", ["Dune"]),
        ("name=nobody", []),
    ],
)
def test_filters_blank_partial_and_full(
    lead: TestClient, ids: dict[str, int], query: str, expected: list[str]
) -> None:
    page = lead.get(f"/customers?{query}", headers=HTML)
    assert page.status_code == 200
    assert sorted(names(page.text)) == sorted(expected)
    if not expected:
        assert "No customers match." in page.text


@pytest.mark.parametrize(
    ("query", "code", "saying"),
    [
        ("health=purple", 422, "Health: input should be"),
        ("sort=size", 422, "Sort by: input should be"),
        ("page=0", 422, "Page: input should be greater than or equal to 1"),
        ("page=two", 422, "Page: input should be a valid integer"),
        ("name=" + "x" * 201, 422, "Name: string should have at most 200 characters"),
        ("page=9", 404, "There is no such page of customers."),
    ],
)
def test_wrong_filters_come_back_as_a_page_that_says_what_to_fix(
    lead: TestClient, ids: dict[str, int], query: str, code: int, saying: str
) -> None:
    page = lead.get(f"/customers?{query}", headers=HTML)
    assert page.status_code == code
    assert page.headers["content-type"].startswith("text/html")
    assert saying in page.text


def test_the_list_pages(
    lead: TestClient, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customers_pages, "PAGE_SIZE", 2)
    first = lead.get("/customers?sort=name&segment=", headers=HTML).text
    assert names(first) == ["Acme", "Birch"] and "Page 1 of 3" in first
    assert 'href="/customers?sort=name&amp;page=2">Next' in first
    last = lead.get("/customers?sort=name&page=3", headers=HTML).text
    assert names(last) == ["Zephyr"] and "Previous" in last and "Next" not in last


def test_a_rep_sees_only_the_customers_of_their_own_calls(
    client: TestClient, settings: Settings, ids: dict[str, int]
) -> None:
    signed_in(client, make_token(settings, Role.REP, "Rita", "rita@example.com"))
    assert names(client.get("/customers", headers=HTML).text) == ["Acme"]
    assert client.get(f"/customers/{ids['Birch']}", headers=HTML).status_code == 404
    acme = client.get(f"/customers/{ids['Acme']}", headers=HTML).text
    # Rita's own call, not Rob's; no revenue (the company's) nor surveys of others' contacts.
    assert re.findall(r'<li class="timeline-(\w+)">', acme) == ["call"]
    assert "1 item" in acme and "€" not in acme
    signed_in(client, make_token(settings, Role.REP, "Sue", "sue@example.com"))
    nobody = client.get("/customers", headers=HTML).text
    assert names(nobody) == [] and "0 customers" in nobody


def test_the_customer_page_explains_the_score_and_tells_the_story_newest_first(
    lead: TestClient, ids: dict[str, int]
) -> None:
    page = lead.get(f"/customers/{ids['Acme']}", headers=HTML).text
    assert "CRM id CRM-A" in page and "Segment: Enterprise" in page and "Customer since" in page
    components = page[
        page.index('id="components"') : page.index("</tbody>", page.index('id="components"'))
    ]
    assert "Open or escalated cases" in components
    assert "1 of 2 cases unresolved or escalated" in components
    assert "Recent payment" in components and "last payment 75 days ago" in components
    kinds = re.findall(r'<li class="timeline-(\w+)">', page)
    assert kinds == ["call", "survey", "revenue", "call", "survey", "revenue"]
    assert "6 items" in page
    assert "CSAT 5 of 5 · NPS 9 of 10" in page and "CSAT 2 of 5" in page
    assert "-€30.00" in page and "€100.00" in page and "Refund or credit" in page
    assert '<p lang="en">Adapter replaced after a long wait.</p>' in page
    assert 'id="customer-kpis"' in page


def test_the_timeline_pages(
    lead: TestClient, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customers_pages, "TIMELINE_SIZE", 4)
    second = lead.get(f"/customers/{ids['Acme']}?page=2", headers=HTML).text
    assert re.findall(r'<li class="timeline-(\w+)">', second) == ["survey", "revenue"]
    assert "Page 2 of 2" in second and "Newer" in second
    wrong = lead.get(f"/customers/{ids['Acme']}?page=x", headers=HTML)
    assert wrong.status_code == 422 and "Page: input should be a valid integer" in wrong.text
    assert lead.get(f"/customers/{ids['Acme']}?page=3", headers=HTML).status_code == 404


def test_a_customer_with_no_data_has_a_page_that_says_so(
    lead: TestClient, ids: dict[str, int]
) -> None:
    page = lead.get(f"/customers/{ids['Zephyr']}", headers=HTML)
    assert page.status_code == 200
    assert "No score yet" in page.text and "No calls, surveys or revenue yet." in page.text
    assert "0 items" in page.text


def test_amounts_follow_the_page_language(lead: TestClient, ids: dict[str, int]) -> None:
    page = lead.get(f"/customers/{ids['Acme']}", headers=HTML | {"Accept-Language": "ja"}).text
    assert '<html lang="ja">' in page and "€100.00" in page
