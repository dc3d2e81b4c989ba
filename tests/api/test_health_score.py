"""The health score through the API: each component as docs/engagement.md defines it, computed
again here in plain Python from the rows the test imports, on both backends."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.auth.keys import Role
from agent.core.domain import HEALTH_WEIGHTS
from agent.core.settings import Settings
from agent.core.tables import Customer
from agent.engagement.importer import import_engagement
from agent.kpis.history_import import import_csv
from agent.kpis.periods import KpiConfig
from support.cli import callsight
from support.keys import make_token

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# Acme's contacts: (days ago, case); the one 2 days ago repeats the one 4 days ago.
CONTACTS = [(2, "K2"), (4, "K2"), (20, "K3"), (40, "K4"), (70, "K5"), (100, "K6"), (130, "K7")]
CONTACTS += [(160, "K8")]
RESOLVED = {"K4", "K5", "K6", "K7", "K8"}
ESCALATED = {"K3"}
SURVEYS = [(10, 5, 10), (50, 2, None)]  # days ago, CSAT, NPS
PAYMENTS = [("Acme", 75, "100"), ("Acme", 20, "-30"), ("Birch", 10, "50"), ("Cedar", 5, "9")]


def ago(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


def load(engine: Engine) -> None:
    customers = "customer_id,name,customer_since,churned_at\n"
    customers += f"A,Acme,{ago(400)},\nB,Birch,{ago(400)},\nC,Cedar,{ago(400)},{ago(3)}\n"
    revenue = "revenue_id,customer_id,occurred_at,amount,currency\n" + "".join(
        f"R{i},{name[0]},{ago(days)},{amount},EUR\n"
        for i, (name, days, amount) in enumerate(PAYMENTS)
    )
    cases = "case_id,customer_name,escalated\n" + "".join(
        f"{case},Acme,{str(case in ESCALATED).lower()}\n"
        for case in sorted(set(dict(CONTACTS).values()))
    )
    contacts = "contact_id,case_id,customer_name,started_at,resolved\n" + "".join(
        f"c{days},{case},Acme,{ago(days)},{str(case in RESOLVED).lower()}\n"
        for days, case in CONTACTS
    )
    surveys = "survey_id,customer_name,responded_at,csat,nps\n" + "".join(
        f"s{days},Acme,{ago(days)},{csat},{nps or ''}\n" for days, csat, nps in SURVEYS
    )
    with Session(engine) as session:
        import_engagement(session, KpiConfig(), io.StringIO(customers), io.StringIO(revenue))
        import_csv(
            session, KpiConfig(), io.StringIO(cases), io.StringIO(contacts), io.StringIO(surveys)
        )
        session.commit()


def days_back(as_of: str) -> float:
    """How many days before the rows' clock (NOW) the service scored them: a negative number,
    since it scores a little later."""
    return (NOW - dt.datetime.fromisoformat(as_of)).total_seconds() / 86400


def acme_reference(back: float) -> dict[str, float]:
    """Acme's component values as of ``back`` days before NOW, from the definitions."""

    def within(days: float, start: float, span: float) -> bool:
        return start <= days - back < start + span

    values: dict[str, float] = {}
    recent = [d for d, _ in CONTACTS if within(d, 0, 90)]
    last_30 = sum(within(d, 0, 30) for d, _ in CONTACTS)
    usual = sum(within(d, 30, 150) for d, _ in CONTACTS) * 30 / 150
    if usual:
        values["contact_frequency"] = 1.0 if last_30 <= usual else usual / last_30
    if recent:
        cases = dict(CONTACTS)
        earlier = {d: [e for e, k in CONTACTS if k == cases[d] and d < e <= d + 7] for d in recent}
        values["repeat_contacts"] = 1 - sum(bool(e) for e in earlier.values()) / len(recent)
        opened = {k: max(d for d, kk in CONTACTS if kk == k) for k in set(cases.values())}
        in_window = [k for k, d in opened.items() if within(d, 0, 90)]
        if in_window:
            troubled = [k for k in in_window if k not in RESOLVED or k in ESCALATED]
            values["open_cases"] = 1 - len(troubled) / len(in_window)
    answered = [(c, n) for d, c, n in SURVEYS if within(d, 0, 90)]
    if answered:
        parts = [sum(c >= 4 for c, _ in answered) / len(answered)]
        nps = [n for _, n in answered if n is not None]
        if nps:
            share = (sum(n >= 9 for n in nps) - sum(n <= 6 for n in nps)) * 100 / len(nps)
            parts.append((share + 100) / 200)
        values["surveys"] = sum(parts) / len(parts)
    paid = [d for name, d, amount in PAYMENTS if name == "Acme" and float(amount) > 0]
    last = min(d for d in paid if d >= back) - back
    values["revenue_recency"] = min(1.0, max(0.0, 1 - (last - 30) / 150))
    return values


def reference_score(values: dict[str, float]) -> float:
    total = sum(HEALTH_WEIGHTS[name] for name in values)
    return sum(100 * HEALTH_WEIGHTS[name] * value / total for name, value in values.items())


def test_a_customers_score_is_the_weighted_components_with_their_reasons(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    load(engine)
    with Session(engine) as session:
        acme = session.exec(select(Customer).where(Customer.name == "Acme")).one()
    lead = {"Authorization": f"Bearer {make_token(settings, Role.LEAD, 'Lee Lead')}"}
    answer = client.get(f"/api/v1/customers/{acme.id}", headers=lead)
    assert answer.status_code == 200, answer.text
    health = answer.json()["health"]
    at = days_back(health["as_of"])
    expected = acme_reference(at)
    shown = {c["name"]: c["value"] for c in health["components"]}
    assert shown == pytest.approx(expected, abs=1e-4)
    assert health["health_score"] == pytest.approx(reference_score(expected), abs=1e-4)
    before = reference_score(acme_reference(at + 30))
    assert health["trend"] == pytest.approx(reference_score(expected) - before, abs=1e-3)
    assert set(health["missing"]) == {"sentiment", "overdue_action_items"}
    worst = max(health["components"], key=lambda c: c["lost"])
    assert health["reason"].startswith(f"{worst['name']}: ")
    contributions = sum(c["contribution"] for c in health["components"])
    assert contributions == pytest.approx(health["health_score"], abs=1e-3)


def test_the_risk_list_puts_the_lowest_score_first_and_leaves_out_churned_customers(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    load(engine)
    lead = {"Authorization": f"Bearer {make_token(settings, Role.LEAD, 'Lee Lead')}"}
    risk = client.get("/api/v1/customers", params={"sort": "health_score"}, headers=lead)
    assert risk.status_code == 200, risk.text
    items = risk.json()["items"]
    assert [item["name"] for item in items] == ["Acme", "Birch"]
    expected = reference_score(acme_reference(days_back(risk.json()["as_of"])))
    assert items[0]["health_score"] == pytest.approx(expected, abs=1e-4)
    assert items[1]["health_score"] == 100.0 and items[1]["reason"] is None
    rep = {"Authorization": f"Bearer {make_token(settings, Role.REP, 'Rita Rep')}"}
    assert client.get("/api/v1/customers", headers=rep).status_code == 403
    assert client.get("/api/v1/customers", params={"limit": 0}, headers=lead).status_code == 422


def test_the_cli_shows_each_customers_score_and_components_as_the_api_does(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    load(engine)
    with Session(engine) as session:
        ids = {c.name: c.id for c in session.exec(select(Customer)).all()}
    lead = {"Authorization": f"Bearer {make_token(settings, Role.LEAD, 'Lee Lead')}"}
    cli = callsight(settings, "kpis", "--by", "customer", "--format", "json")
    assert cli.returncode == 0, cli.stderr
    rows = {row["label"]: row for row in json.loads(cli.stdout)["rows"]}
    assert set(rows) == {"Acme"}  # the only customer with contacts
    health = client.get(f"/api/v1/customers/{ids['Acme']}", headers=lead).json()["health"]
    row = rows["Acme"]
    # Scored a moment apart: revenue recency may move in its last decimal.
    assert row["health_score"] == pytest.approx(health["health_score"], abs=1e-3)
    assert row["health_score"] == pytest.approx(
        reference_score(acme_reference(days_back(health["as_of"]))), abs=1e-3
    )
    assert [c["name"] for c in row["health_components"]] == [
        c["name"] for c in health["components"]
    ]
    for ours, theirs in zip(row["health_components"], health["components"], strict=True):
        numbers = ("weight", "value", "contribution", "lost")
        expected = pytest.approx({k: theirs[k] for k in numbers}, abs=1e-3)
        assert {k: ours[k] for k in numbers} == expected
        assert ours["evidence"] == theirs["evidence"]


def test_the_cli_table_and_csv_carry_the_score(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    load(engine)
    with Session(engine) as session:
        acme = session.exec(select(Customer).where(Customer.name == "Acme")).one()
    lead = {"Authorization": f"Bearer {make_token(settings, Role.LEAD, 'Lee Lead')}"}
    health = client.get(f"/api/v1/customers/{acme.id}", headers=lead).json()["health"]
    table = callsight(settings, "kpis", "--by", "customer")
    assert table.returncode == 0, table.stderr
    header, acme_line = table.stdout.splitlines()[:2]
    assert header.split()[-1] == "health_score"
    assert float(acme_line.split()[-1]) == pytest.approx(health["health_score"], abs=1e-3)
    out = callsight(settings, "kpis", "--by", "customer", "--format", "csv")
    assert out.returncode == 0, out.stderr
    (row,) = csv.DictReader(io.StringIO(out.stdout))
    assert float(row["health_score"]) == pytest.approx(health["health_score"], abs=1e-3)
    for component in health["components"]:
        shown = float(row[f"health_{component['name']}"])
        assert shown == pytest.approx(component["contribution"], abs=1e-3)
    assert row["health_sentiment"] == row["health_overdue_action_items"] == ""
    assert "health_score" not in callsight(settings, "kpis", "--by", "team").stdout
