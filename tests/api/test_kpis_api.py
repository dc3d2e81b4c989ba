"""KPIs over HTTP and on the command line: the same numbers as docs/kpis.md, roles, surveys."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from agent.auth.keys import Role
from agent.core.settings import Settings
from agent.core.tables import Customer, User
from agent.kpis.periods import KpiConfig
from agent.kpis.tables import Contact, ServiceCase, Survey
from api.app import create_app
from support.cli import callsight
from support.factories import make_agent, make_call, make_customer
from support.keys import bearer
from support.kpi_example import EXAMPLE, load_example
from support.samples import REPO

DOCS = REPO / "docs" / "kpis.md"


@pytest.fixture
def ny_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"business_timezone": "America/New_York"})


@pytest.fixture
def ny_client(ny_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(ny_settings)) as test_client:
        yield test_client


def documented_report() -> dict[str, Any]:
    block = re.search(r"```json\n(.*?)\n```", DOCS.read_text(), re.DOTALL)
    assert block is not None, "docs/kpis.md lost its example output"
    result: dict[str, Any] = json.loads(block.group(1))
    return result


def test_api_cli_and_docs_give_the_same_numbers(
    ny_client: TestClient, ny_settings: Settings
) -> None:
    imported = callsight(
        ny_settings,
        "import",
        "--cases",
        str(EXAMPLE / "cases.csv"),
        "--contacts",
        str(EXAMPLE / "contacts.csv"),
        "--surveys",
        str(EXAMPLE / "surveys.csv"),
    )
    assert imported.returncode == 0, imported.stderr
    assert "imported 6 case(s), 11 contact(s), 4 survey(s)" in imported.stdout
    lead = bearer(ny_settings, Role.LEAD, "Lee Lead")
    api = ny_client.get("/api/v1/kpis", params={"group_by": "customer"}, headers=lead)
    assert api.status_code == 200, api.text
    cli = callsight(ny_settings, "kpis", "--by", "customer", "--format", "json")
    assert cli.returncode == 0, cli.stderr
    cli_report = json.loads(cli.stdout)
    for row in cli_report["rows"]:  # the CLI adds the health score (tests/api/test_health_score.py)
        assert {"health_score", "health_components"} <= row.keys()
        del row["health_score"], row["health_components"]
    assert api.json() == cli_report == documented_report()


@pytest.mark.parametrize("group_by", ["agent", "team", "day", "week", "month"])
def test_api_and_cli_agree_for_every_grouping_and_filter(
    ny_client: TestClient, ny_settings: Settings, engine: Engine, group_by: str
) -> None:
    load_example(engine)
    lead = bearer(ny_settings, Role.LEAD, "Lee Lead")
    params = {"group_by": group_by, "from": "2026-11-03", "to": "2026-11-30", "category": "billing"}
    api = ny_client.get("/api/v1/kpis", params=params, headers=lead).json()
    cli = callsight(
        ny_settings,
        "kpis",
        "--by",
        group_by,
        "--from",
        "2026-11-03",
        "--to",
        "2026-11-30",
        "--category",
        "billing",
        "--format",
        "json",
    )
    assert cli.returncode == 0, cli.stderr
    assert api == json.loads(cli.stdout)
    assert sum(row["contacts"] for row in api["rows"]) == 2  # c7 and c8


def test_cli_table_and_csv(ny_settings: Settings, engine: Engine) -> None:
    load_example(engine)
    table = callsight(ny_settings, "kpis", "--by", "team")
    assert table.returncode == 0, table.stderr
    assert re.search(r"^north\s+north\s+6\s+3\s+0\.6667", table.stdout, re.MULTILINE)
    assert "timezone America/New_York" in table.stdout
    csv_out = callsight(ny_settings, "kpis", "--by", "month", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("key,label,contacts,cases,resolved_cases,fcr_rate")
    assert csv_out[1].startswith("2026-11,2026-11,10,7,6,0.5,")


def test_csv_cells_never_reach_a_spreadsheet_as_formulas(
    ny_settings: Settings, engine: Engine
) -> None:
    load_example(engine)
    formula = '=HYPERLINK("http://x","y")'
    with Session(engine) as session:
        acme = session.exec(select(Customer).where(Customer.name == "Acme")).one()
        acme.name = formula
        session.add(acme)
        session.exec(update(Contact).where(col(Contact.team) == "north").values(team="@cmd|x"))
        session.commit()
    for group_by, label in [("customer", formula), ("team", "@cmd|x")]:
        out = callsight(ny_settings, "kpis", "--by", group_by, "--format", "csv")
        assert out.returncode == 0, out.stderr
        rows = list(csv.DictReader(io.StringIO(out.stdout)))
        assert "'" + label in [row["label"] for row in rows]
        for row in rows:
            assert not row["label"].startswith(("=", "+", "-", "@", "\t", "\r"))
            assert all(_number_or_empty(row[name]) for name in ("contacts", "fcr_rate", "nps"))


def _number_or_empty(cell: str) -> bool:
    return cell == "" or re.fullmatch(r"-?\d+(\.\d+)?", cell) is not None


def test_a_bad_import_names_every_problem_and_writes_nothing(
    ny_settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "contact_id,case_id,customer_name,started_at,talk_s,resolved\n"
        "a1,,Acme,2026-11-02T10:00:00Z,100,true\n"
        "a2,,Acme,yesterday,100,true\n"
        "a3,,Acme,2026-11-02T11:00:00Z,-5,maybe\n"
        "a4,NOPE,Acme,2026-11-02T12:00:00Z,100,true\n"
    )
    result = callsight(ny_settings, "import", "--contacts", str(contacts))
    assert result.returncode == 1
    assert [line.removeprefix(f"{tmp_path}/") for line in result.stderr.splitlines()] == [
        "contacts.csv line 3: started_at: 'yesterday' is not an ISO 8601 date and time"
        " (e.g. 2026-11-18T10:00:00Z)",
        "contacts.csv line 4: talk_s: Input should be greater than or equal to 0",
        "contacts.csv line 4: resolved: Input should be a valid boolean, unable to interpret input",
        "contacts.csv line 5: case_id 'NOPE' is not in the cases file nor imported before",
        "nothing imported: 4 problem(s)",
    ]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Contact)).one() == 0
        assert session.exec(select(func.count()).select_from(ServiceCase)).one() == 0


def test_dates_in_a_named_format_are_imported(
    ny_settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("contact_id,customer_name,started_at\nd1,Acme,01/06/2023 14:30\n")
    iso_only = callsight(ny_settings, "import", "--contacts", str(contacts))
    assert iso_only.returncode == 1 and "is not an ISO 8601 date" in iso_only.stderr
    named = ("--date-format", "%d/%m/%Y %H:%M")
    result = callsight(ny_settings, "import", "--contacts", str(contacts), *named)
    assert result.returncode == 0, result.stderr
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
    assert contact.started_ts == int(dt.datetime(2023, 6, 1, 14, 30, tzinfo=dt.UTC).timestamp())


def test_importing_the_same_history_twice_is_refused(ny_settings: Settings, engine: Engine) -> None:
    load_example(engine)
    again = callsight(ny_settings, "import", "--contacts", str(EXAMPLE / "contacts.csv"))
    assert again.returncode == 1
    assert "contact_id 'c1' is already imported" in again.stderr
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Contact)).one() == 11


def test_a_rep_sees_only_their_own_numbers(
    ny_client: TestClient, ny_settings: Settings, engine: Engine
) -> None:
    load_example(engine)
    ann = bearer(ny_settings, Role.REP, "Ann")  # the same user the import created
    with Session(engine) as session:
        ids = dict(session.exec(select(User.name, User.id)).all())
    own = ny_client.get("/api/v1/kpis", params={"group_by": "customer"}, headers=ann).json()
    assert sum(row["contacts"] for row in own["rows"]) == 6
    assert own["filters"]["agent_id"] == ids["Ann"]
    others = ny_client.get("/api/v1/kpis", params={"agent": ids["Ben"]}, headers=ann)
    assert others.status_code == 403 and "own numbers" in others.json()["detail"]


def test_a_rep_reads_only_customers_of_their_own_calls(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    ria, rob = bearer(settings, Role.REP, "Ria"), bearer(settings, Role.REP, "Rob")
    with Session(engine) as session:
        acme, bolt = make_customer(session, name="Acme"), make_customer(session, name="Bolt")
        make_call(session, customer=acme, agent=make_agent(session, name="Ria"))
        make_call(session, customer=bolt, agent=make_agent(session, name="Rob"))
        session.commit()
        ids = (acme.id, bolt.id)
    for headers, own, other in [(ria, ids[0], ids[1]), (rob, ids[1], ids[0])]:
        assert client.get(f"/api/v1/customers/{own}", headers=headers).status_code == 200
        hidden = client.get(f"/api/v1/customers/{other}", headers=headers)
        missing = client.get("/api/v1/customers/999", headers=headers)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["detail"] == f"no customer {other}"
    lead = bearer(settings, Role.LEAD, "Lee")
    assert all(client.get(f"/api/v1/customers/{i}", headers=lead).status_code == 200 for i in ids)
    page = TestClient(client.app)
    page.post("/login", data={"api_key": ria["Authorization"].removeprefix("Bearer ")})
    html = {"Accept": "text/html"}
    assert page.get(f"/customers/{ids[0]}", headers=html).status_code == 200
    assert page.get(f"/customers/{ids[1]}", headers=html).status_code == 404


def test_the_customer_page_matches_the_report(
    ny_client: TestClient, ny_settings: Settings, engine: Engine
) -> None:
    load_example(engine)
    lead = bearer(ny_settings, Role.LEAD, "Lee Lead")
    page = ny_client.get("/api/v1/customers/1", headers=lead)
    assert page.status_code == 200, page.text
    body = page.json()
    acme = next(row for row in documented_report()["rows"] if row["key"] == "1")
    assert body["name"] == "Acme" and body["kpis"] == acme
    history = body["contacts"]
    assert [c["external_id"] for c in history] == ["c9", "c8", "c3", "c2", "c1"]
    assert [c["repeat"] for c in history] == [False, False, True, False, False]
    assert history[0]["crm_case_id"] == "500A" and history[0]["agent"] == "Ann"
    cedar = ny_client.get("/api/v1/customers/3", headers=lead).json()
    assert (cedar["kpis"]["contacts"], cedar["kpis"]["fcr_rate"], cedar["contacts"]) == (
        0,
        None,
        [],
    )
    missing = ny_client.get("/api/v1/customers/999", headers=lead)
    assert missing.status_code == 404 and "999" in missing.json()["detail"]


def test_surveys_are_recorded_and_counted(
    ny_client: TestClient, ny_settings: Settings, engine: Engine
) -> None:
    load_example(engine)
    lead = bearer(ny_settings, Role.LEAD, "Lee Lead")
    with Session(engine) as session:
        c6 = session.exec(select(Contact).where(Contact.external_id == "c6")).one()
    answer = {
        "contact_id": c6.id,
        "csat": 2,
        "nps": 9,
        "ces": 6,
        "responded_at": "2026-11-25T20:00:00Z",
        "external_id": "tool-77",
    }
    created = ny_client.post("/api/v1/surveys", json=answer, headers=lead)
    assert created.status_code == 201, created.text
    assert created.json()["customer_id"] == 2 and created.json()["case_id"] == c6.case_id
    birch = ny_client.get("/api/v1/kpis", params={"customer": 2}, headers=lead).json()["rows"][0]
    assert (birch["surveys"], birch["csat"], birch["nps"], birch["ces"]) == (2, 0.5, 50.0, 6.0)
    repeat = ny_client.post("/api/v1/surveys", json=answer, headers=lead)
    assert repeat.status_code == 409 and "tool-77" in repeat.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "code", "words"),
    [
        ({"customer_id": 1, "csat": 9}, 422, "less than or equal to 5"),
        ({"customer_id": 1}, 422, "at least one of csat"),
        ({"csat": 4}, 422, "say who answered"),
        ({"contact_id": 999, "csat": 4}, 404, "no contact 999"),
        ({"call_id": "nope", "nps": 4}, 404, "not a contact yet"),
    ],
)
def test_bad_surveys_are_refused_with_a_reason(
    ny_client: TestClient,
    ny_settings: Settings,
    engine: Engine,
    payload: dict[str, Any],
    code: int,
    words: str,
) -> None:
    load_example(engine)
    lead = bearer(ny_settings, Role.LEAD, "Lee Lead")
    response = ny_client.post("/api/v1/surveys", json=payload, headers=lead)
    assert response.status_code == code
    assert words in json.dumps(response.json())
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Survey)).one() == 4


def test_reps_cannot_post_surveys_and_bad_queries_are_refused(
    ny_client: TestClient, ny_settings: Settings
) -> None:
    rep = bearer(ny_settings, Role.REP, "Ann")
    refused = ny_client.post("/api/v1/surveys", json={"customer_id": 1, "csat": 5}, headers=rep)
    assert refused.status_code == 403
    lead = bearer(ny_settings, Role.LEAD, "Lee Lead")
    bad_group = ny_client.get("/api/v1/kpis", params={"group_by": "planet"}, headers=lead)
    assert bad_group.status_code == 422 and "customer" in bad_group.text
    backwards = ny_client.get(
        "/api/v1/kpis", params={"from": "2026-12-01", "to": "2026-11-01"}, headers=lead
    )
    assert backwards.status_code == 422 and "swap" in backwards.json()["detail"]
    assert ny_client.get("/api/v1/kpis").status_code == 401


def test_db_relocalise_moves_history_into_the_new_timezone(
    ny_settings: Settings, engine: Engine
) -> None:
    load_example(engine, KpiConfig(timezone="UTC"))
    moved = callsight(ny_settings, "db", "relocalise")
    assert moved.returncode == 0, moved.stderr
    assert "22 row(s) now in America/New_York days" in moved.stdout
    months = json.loads(callsight(ny_settings, "kpis", "--by", "month", "--format", "json").stdout)
    assert [(r["key"], r["contacts"], r["cases"]) for r in months["rows"]] == [
        ("2026-11", 10, 7),
        ("2026-12", 1, 0),
    ]
