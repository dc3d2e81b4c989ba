"""The lifecycle and revenue import: all or nothing, every problem of every row in one pass."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from agent.core.tables import Customer
from agent.engagement.importer import import_engagement
from agent.engagement.tables import CustomerLifecycle, RevenueEvent
from agent.kpis.history_import import ImportRejected
from agent.kpis.periods import KpiConfig

CUSTOMERS = "customer_id,customer_crm_id,name,email,segment,customer_since,churned_at\n"
REVENUE = "revenue_id,customer_id,occurred_at,amount,currency\n"


def named(text: str, name: str) -> io.StringIO:
    source = io.StringIO(text)
    source.name = name
    return source


def run(
    engine: Engine, customers: str | None, revenue: str | None, date_format: str | None = None
) -> None:
    with Session(engine) as session:
        import_engagement(
            session,
            KpiConfig(),
            named(customers, "customers.csv") if customers is not None else None,
            named(revenue, "revenue.csv") if revenue is not None else None,
            date_format,
        )
        session.commit()


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Customer)).one(),
            session.exec(select(func.count()).select_from(CustomerLifecycle)).one(),
            session.exec(select(func.count()).select_from(RevenueEvent)).one(),
        )


def test_every_problem_of_every_row_is_listed_and_nothing_is_written(engine: Engine) -> None:
    customers = CUSTOMERS + (
        "A1,,Acme,,smb,2026-01-01,\n"
        "A2,,Birch,not-an-email,smb,2026-05-01,2026-04-01\n"
        "A1,,Acme again,,,,\n"
        ",,Nameless,,,,\n"
        "A3,,Cedar,,,1999-12-31,\n"
    )
    revenue = REVENUE + (
        "R1,A1,2026-02-01,100.00,EUR\n"
        "R1,A1,2026-03-01,100.00,EUR\n"
        "R2,ZZ,2026-02-01,10,EUR\n"
        "R3,A1,1700000000,1.23456,EURO\n"
        "R4,A1,2026-02-01,ten,XQZ\n"
        "R5,A3,2026-02-01,5,EUR\n"
        "R6,A1,2026-02-01,,\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        run(engine, customers, revenue)
    problems = rejected.value.problems
    assert problems[:5] == [
        "customers.csv line 3: email: value is not a valid email address:"
        " An email address must have an @-sign.",
        "customers.csv line 3: churned_at: 2026-04-01T00:00:00+00:00 is before customer_since"
        " 2026-05-01T00:00:00+00:00",
        "customers.csv line 4: customer_id 'A1' is repeated in the file",
        "customers.csv line 5: customer_id: Field required",
        "customers.csv line 6: customer_since: 1999-12-31T00:00:00+00:00 is not a time the"
        " import takes: give one between 2000-01-01 and 2099-12-31",
    ]
    rest = "\n".join(problems[5:])
    assert "revenue.csv line 3: revenue_id 'R1' is already imported" in rest
    assert "revenue.csv line 4: customer_id 'ZZ' is not in the customers file" in rest
    assert "revenue.csv line 5: occurred_at:" in rest
    assert "revenue.csv line 5: amount: Decimal input should have no more than 4 decimal" in rest
    assert "revenue.csv line 5: currency:" in rest
    assert "revenue.csv line 6: amount:" in rest
    assert "revenue.csv line 6: currency: 'XQZ' is not an ISO 4217 currency code" in rest
    assert "revenue.csv line 8: amount: Field required" in rest
    assert "line 7" not in rest  # A3's own row says what is wrong with it
    assert counts(engine) == (0, 0, 0)


def test_a_customer_imported_again_is_updated_and_a_payment_is_never_counted_twice(
    engine: Engine,
) -> None:
    run(
        engine,
        CUSTOMERS + "A1,0011,Acme,ops@acme.example,smb,2026-01-01,\n",
        REVENUE + "R1,A1,2026-02-01,-12.5,eur\n",
    )
    run(engine, CUSTOMERS + "A1,0011,,,enterprise,2026-01-01,2026-06-30\n", None)
    with Session(engine) as session:
        lifecycle = session.exec(select(CustomerLifecycle)).one()
        customer = session.get(Customer, lifecycle.customer_id)
        event = session.exec(select(RevenueEvent)).one()
    assert (lifecycle.segment, lifecycle.churned_ts is not None) == ("enterprise", True)
    assert customer is not None and (customer.name, customer.email) == (
        "Acme",
        "ops@acme.example",
    )
    assert (event.amount_e4, event.currency) == (-125_000, "EUR")
    with pytest.raises(ImportRejected) as rejected:
        run(engine, None, REVENUE + "R1,A1,2026-02-01,1,EUR\n")
    assert rejected.value.problems == ["revenue.csv line 2: revenue_id 'R1' is already imported"]


def test_two_rows_may_not_claim_one_customer(engine: Engine) -> None:
    customers = CUSTOMERS + "A1,0011,Acme,,,,\nA2,0011,Acme Ltd,,,,\nA3,,Birch,,,,\nA4,,Birch,,,,\n"
    with pytest.raises(ImportRejected) as rejected:
        run(engine, customers, None)
    assert rejected.value.problems == [
        "customers.csv line 3: customer_crm_id '0011' is already customer_id 'A1'",
        "customers.csv line 5: name 'Birch' is already customer_id 'A3'",
    ]


def test_dates_in_the_named_format(engine: Engine) -> None:
    run(
        engine,
        CUSTOMERS + "A1,,Acme,,,01/02/2026 09:30,\n",
        REVENUE + "R1,A1,15/02/2026 10:00,5,JPY\n",
        date_format="%d/%m/%Y %H:%M",
    )
    assert counts(engine) == (1, 1, 1)
    with pytest.raises(ImportRejected) as rejected:
        run(engine, None, REVENUE + "R2,A1,2026-02-15,5,JPY\n", date_format="%d/%m/%Y %H:%M")
    assert rejected.value.problems == [
        "revenue.csv line 2: occurred_at: '2026-02-15' does not match the date format"
        " '%d/%m/%Y %H:%M'"
    ]
