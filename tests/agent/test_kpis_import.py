"""History import: ISO 8601 dates (or a named format), cases closed before they opened refused,
and every problem of every kind reported in one pass."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.kpis.history_import import ImportRejected, import_csv
from agent.kpis.periods import KpiConfig
from agent.kpis.tables import Contact, ServiceCase

CONFIG = KpiConfig(timezone="UTC")
CONTACTS_HEAD = "contact_id,case_id,customer_name,started_at,talk_s\n"


def named(text: str, name: str) -> io.StringIO:
    source = io.StringIO(text)
    source.name = name  # type: ignore[misc]
    return source


def problems_of(engine: Engine, **files: io.StringIO | str | None) -> list[str]:
    with Session(engine) as session, pytest.raises(ImportRejected) as rejected:
        import_csv(session, CONFIG, **files)  # type: ignore[arg-type]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Contact)).one() == 0
        assert session.exec(select(func.count()).select_from(ServiceCase)).one() == 0
    return rejected.value.problems


def started_at(engine: Engine, contact_id: str) -> dt.datetime:
    with Session(engine) as session:
        contact = session.exec(select(Contact).where(Contact.external_id == contact_id)).one()
        return dt.datetime.fromtimestamp(contact.started_ts, dt.UTC)


@pytest.mark.parametrize("number", ["1685577600", "1685577600.5", "-1"])
def test_numbers_are_not_read_as_unix_times(engine: Engine, number: str) -> None:
    contacts = named(f"{CONTACTS_HEAD}c1,,Acme,{number},60\n", "contacts.csv")
    problems = problems_of(engine, contacts=contacts)
    assert problems == [
        f"contacts.csv line 2: started_at: {number!r} is not an ISO 8601 date and time"
        " (e.g. 2026-11-18T10:00:00Z)"
    ]


def test_a_compact_iso_date_is_that_day_not_a_unix_time(engine: Engine) -> None:
    contacts = named(f"{CONTACTS_HEAD}c1,,Acme,20230601,60\n", "contacts.csv")
    with Session(engine) as session:
        import_csv(session, CONFIG, contacts=contacts)
        session.commit()
    assert started_at(engine, "c1") == dt.datetime(2023, 6, 1, tzinfo=dt.UTC)


def test_a_named_date_format_reads_local_spellings_and_only_those(engine: Engine) -> None:
    rows = "c1,,Acme,01/06/2023,60\nc2,,Acme,2023-06-02T10:00:00Z,60\n"
    problems = problems_of(
        engine, contacts=named(CONTACTS_HEAD + rows, "contacts.csv"), date_format="%d/%m/%Y"
    )
    assert problems == [
        "contacts.csv line 3: started_at: '2023-06-02T10:00:00Z' does not match"
        " the date format '%d/%m/%Y'"
    ]
    with Session(engine) as session:
        import_csv(
            session,
            CONFIG,
            contacts=named(f"{CONTACTS_HEAD}c1,,Acme,01/06/2023,60\n", "contacts.csv"),
            date_format="%d/%m/%Y",
        )
        session.commit()
    assert started_at(engine, "c1") == dt.datetime(2023, 6, 1, tzinfo=dt.UTC)


def test_a_case_closed_before_its_first_contact_is_refused(engine: Engine) -> None:
    cases = named(
        "case_id,customer_name,closed_at\n"
        "K1,Acme,2026-11-01T09:00:00Z\n"
        "K2,Acme,2026-11-03T09:00:00Z\n",
        "cases.csv",
    )
    contacts = named(
        CONTACTS_HEAD + "c1,K1,Acme,2026-11-02T10:00:00Z,60\nc2,K2,Acme,2026-11-02T10:00:00Z,60\n",
        "contacts.csv",
    )
    assert problems_of(engine, cases=cases, contacts=contacts) == [
        "cases.csv line 2: closed_at 2026-11-01T09:00:00+00:00 is before the case's first"
        " contact (contacts.csv line 2, 2026-11-02T10:00:00+00:00)"
    ]


def test_every_problem_of_every_kind_is_reported_in_one_pass(engine: Engine) -> None:
    cases = named("case_id,customer_name,closed_at\nK1,Acme,\nK1,Acme,\n", "cases.csv")
    contacts = named(
        CONTACTS_HEAD + "c1,K1,Acme,yesterday,60\n"  # a bad date: the first kind
        "c2,NOPE,Acme,2026-11-02T10:00:00Z,60\n"  # an unknown case: the second kind
        "c3,K1,Acme,2026-11-02T11:00:00Z,60\n"
        "c3,K1,Acme,2026-11-02T12:00:00Z,60\n",  # a repeated id
        "contacts.csv",
    )
    surveys = named(
        "survey_id,contact_id,responded_at,csat\n"
        "s1,c3,2026-11-02T20:00:00Z,\n"  # no score
        "s2,c1,2026-11-02T20:00:00Z,9\n",  # out of range; its contact has a problem
        "surveys.csv",
    )
    problems = problems_of(engine, cases=cases, contacts=contacts, surveys=surveys)
    assert [p.split(":")[0] for p in problems] == [
        "cases.csv line 3",
        "contacts.csv line 2",
        "contacts.csv line 3",
        "contacts.csv line 5",
        "surveys.csv line 2",
        "surveys.csv line 3",
    ]
    assert "case_id 'K1' is already imported" in problems[0]
    assert "case_id 'NOPE' is not in the cases file" in problems[2]
    assert "contact_id 'c3' is already imported" in problems[3]
    assert "csat" in problems[5] and "not imported" not in problems[5]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_times_outside_the_years_kpis_can_hold_are_refused(engine: Engine, when: str) -> None:
    contacts = named(f"{CONTACTS_HEAD}c1,,Acme,{when},60\n", "contacts.csv")
    [problem] = problems_of(engine, contacts=contacts)
    assert problem.startswith("contacts.csv line 2: started_at: ")
    assert "between 2000-01-01 and 2099-12-31" in problem
