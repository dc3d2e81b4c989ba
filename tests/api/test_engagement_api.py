"""Customer engagement over HTTP and on the command line: docs/engagement.md's worked example
gives the figures its definitions give (computed again in plain Python), on both backends."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.settings import Settings
from agent.engagement.importer import import_engagement
from agent.kpis.periods import KpiConfig
from support import engagement_reference as reference
from support.cli import callsight
from support.keys import bearer
from support.kpi_example import EXAMPLE as KPI_EXAMPLE
from support.samples import REPO

DOCS = REPO / "docs" / "engagement.md"
WINDOW = {"from": "2026-09-01", "to": "2026-12-31"}
SEPTEMBER = dt.date(2026, 9, 1)


def import_example(settings: Settings) -> None:
    imported = callsight(
        settings,
        "import",
        "--customers",
        str(reference.CUSTOMERS),
        "--revenue",
        str(reference.REVENUE),
        "--cases",
        str(KPI_EXAMPLE / "cases.csv"),
        "--contacts",
        str(KPI_EXAMPLE / "contacts.csv"),
    )
    assert imported.returncode == 0, imported.stderr
    assert "imported 6 customer(s), 10 revenue event(s), 6 case(s), 11 contact(s)" in (
        imported.stdout
    )


def assert_matches(row: dict[str, Any], expected: dict[str, Any]) -> None:
    for name, value in expected.items():
        if value is None:
            assert row[name] is None, name
            assert row["why_null"][name], name
        else:
            assert row[name] == pytest.approx(value, abs=5e-5), (row["key"], name)


def documented_months() -> list[dict[str, str]]:
    text = DOCS.read_text()
    table = re.search(r"<!-- months -->\n(.*?)\n\n", text, re.DOTALL)
    assert table is not None, "docs/engagement.md lost its worked example's table"
    lines = [line.strip("|").split("|") for line in table.group(1).splitlines()]
    header = [cell.strip() for cell in lines[0]]
    return [dict(zip(header, (c.strip() for c in line), strict=True)) for line in lines[2:]]


def test_the_worked_example_gives_the_defined_figures_through_api_cli_and_docs(
    client: TestClient, settings: Settings
) -> None:
    import_example(settings)
    lead = bearer(settings, Role.LEAD, "Lee Lead")
    api = client.get("/api/v1/engagement", params={"group_by": "month", **WINDOW}, headers=lead)
    assert api.status_code == 200, api.text
    cli = callsight(
        settings, "engagement", "--group-by", "month", "--from", WINDOW["from"], "--to",
        WINDOW["to"], "--format", "json",
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert api.json() == json.loads(cli.stdout)
    rows = api.json()["rows"]
    everyone = reference.customers()
    spans = reference.months(SEPTEMBER, 4)
    assert [row["key"] for row in rows] == [label for label, _, _ in spans]
    documented = documented_months()
    for row, (_, first, last), shown in zip(rows, spans, documented, strict=True):
        expected = reference.figures(everyone, first, last, 1)
        assert_matches(row, expected)
        for name, text in shown.items():
            value = None if text == "-" else (text if name == "key" else float(text))
            assert value == (row[name] if name == "key" else pytest.approx(row[name])), name


def test_quarters_and_segments_give_the_defined_figures(
    client: TestClient, settings: Settings
) -> None:
    import_example(settings)
    lead = bearer(settings, Role.LEAD, "Lee Lead")
    quarters = client.get(
        "/api/v1/engagement", params={"group_by": "quarter", **WINDOW}, headers=lead
    ).json()
    everyone = reference.customers()
    q3 = reference.figures(everyone, dt.date(2026, 7, 1), dt.date(2026, 9, 30), 3)
    q4 = reference.figures(everyone, dt.date(2026, 10, 1), dt.date(2026, 12, 31), 3)
    assert [row["key"] for row in quarters["rows"]] == ["2026-Q3", "2026-Q4"]
    assert_matches(quarters["rows"][0], q3)
    assert_matches(quarters["rows"][1], q4)
    segments = client.get(
        "/api/v1/engagement", params={"group_by": "segment", **WINDOW}, headers=lead
    ).json()
    assert [row["key"] for row in segments["rows"]] == ["enterprise", "smb", None]
    for row in segments["rows"]:
        members = [c for c in everyone if c.segment == row["key"]]
        expected = reference.figures(members, SEPTEMBER, dt.date(2026, 12, 31), 4)
        assert_matches(row, expected)


def test_only_leads_and_admins_see_engagement(client: TestClient, settings: Settings) -> None:
    rep = bearer(settings, Role.REP, "Rita Rep")
    assert client.get("/api/v1/engagement", headers=rep).status_code == 403
    assert client.get("/api/v1/engagement").status_code == 401
    admin = bearer(settings, Role.ADMIN, "Ada Admin")
    empty = client.get("/api/v1/engagement", headers=admin)
    assert empty.status_code == 200
    assert empty.json()["rows"] == []


def test_revenue_in_several_currencies_needs_one_chosen(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    import_example(settings)
    dollars = "revenue_id,customer_id,occurred_at,amount,currency\nR11,C1,2026-12-02,10,usd\n"
    with Session(engine) as session:
        import_engagement(session, KpiConfig(), revenue=io.StringIO(dollars))
        session.commit()
    lead = bearer(settings, Role.LEAD, "Lee Lead")
    mixed = client.get("/api/v1/engagement", params=WINDOW, headers=lead).json()
    december = mixed["rows"][-1]
    assert mixed["currency"] is None and december["revenue"] is None
    assert "EUR, USD" in december["why_null"]["revenue"]
    assert december["repeat_purchase_rate"] is not None  # purchases count in any currency
    usd = client.get("/api/v1/engagement", params={**WINDOW, "currency": "usd"}, headers=lead)
    assert usd.json()["currency"] == "USD" and usd.json()["rows"][-1]["revenue"] == 10.0


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-12-01", "to": "2026-11-01"},
        {"from": "1999-12-01"},
        {"from": "2000-01-01", "to": "2099-12-31"},
        {"currency": "EURO"},
        {"currency": "XQZ"},
        {"group_by": "week"},
        {"to": "20261101x"},
    ],
)
def test_a_window_or_currency_that_cannot_be_reported_is_a_422(
    client: TestClient, lead_headers: dict[str, str], params: dict[str, str]
) -> None:
    answer = client.get("/api/v1/engagement", params=params, headers=lead_headers)
    assert answer.status_code == 422, answer.text


def test_cli_table_and_csv(settings: Settings) -> None:
    import_example(settings)
    table = callsight(settings, "engagement", "--group-by", "quarter", "--from", "2026-10-01")
    assert table.returncode == 0, table.stderr
    assert re.search(r"^2026-Q4\s+4\s+2\s+4\s+2\s+1\.0\s+0\.0\s", table.stdout, re.MULTILINE)
    assert "money in EUR" in table.stdout
    csv_out = callsight(settings, "engagement", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("key,customers_at_start,new_customers,churned_customers")
    refused = callsight(settings, "engagement", "--currency", "nope")
    assert refused.returncode == 2 and "--currency" in refused.stderr


def test_one_bad_revenue_row_stops_the_whole_import_with_the_kpi_files(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    revenue = tmp_path / "revenue.csv"
    revenue.write_text(reference.REVENUE.read_text() + "R11,C9,2026-12-02,10,EUR\n")
    imported = callsight(
        settings,
        "import",
        "--customers",
        str(reference.CUSTOMERS),
        "--revenue",
        str(revenue),
        "--cases",
        str(KPI_EXAMPLE / "cases.csv"),
        "--contacts",
        str(KPI_EXAMPLE / "contacts.csv"),
    )
    assert imported.returncode == 1
    assert f"{revenue} line 12: customer_id 'C9' is not in the customers file" in imported.stderr
    assert "nothing imported: 1 problem(s)" in imported.stderr
    admin = bearer(settings, Role.ADMIN, "Ada Admin")
    assert client.get("/api/v1/engagement", headers=admin).json()["rows"] == []
    assert client.get("/api/v1/kpis", headers=admin).json()["rows"] == []


def test_db_relocalise_moves_lifecycle_and_revenue_into_the_new_timezone(
    settings: Settings, engine: Engine
) -> None:
    customers = "customer_id,name,customer_since,churned_at\nA1,Acme,2026-10-01T02:00:00Z,\n"
    revenue = "revenue_id,customer_id,occurred_at,amount,currency\nR1,A1,2026-11-01T03:00Z,9,EUR\n"
    with Session(engine) as session:
        import_engagement(session, KpiConfig(), io.StringIO(customers), io.StringIO(revenue))
        session.commit()
    new_york = settings.model_copy(update={"business_timezone": "America/New_York"})
    moved = callsight(new_york, "db", "relocalise")
    assert moved.returncode == 0, moved.stderr
    assert "customer_lifecycle: 1 row(s)" in moved.stderr
    assert "revenue_event: 1 row(s)" in moved.stderr
    shown = callsight(new_york, "engagement", "--format", "json")
    rows = json.loads(shown.stdout)["rows"]
    # In New York Acme started on 30 September and paid on 31 October.
    assert [(r["key"], r["new_customers"], r["revenue"]) for r in rows] == [
        ("2026-09", 1, 0.0),
        ("2026-10", 0, 9.0),
    ]
