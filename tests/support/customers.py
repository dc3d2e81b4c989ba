"""Five customers for the customers pages: Acme with calls, surveys, cases and revenue, Birch
and Cedar (churned) who paid lately, Dune who paid long ago, Zephyr with nothing."""

from __future__ import annotations

import datetime as dt
import io

from sqlmodel import Session, select

from agent.core.call_states import CallStatus
from agent.core.tables import Customer
from agent.engagement.importer import import_engagement
from agent.kpis.history_import import import_csv
from agent.kpis.periods import KpiConfig
from support.factories import SeedSummary, make_agent, make_call, make_customer

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
EVERYONE = ["Acme", "Birch", "Cedar", "Dune", "Zephyr"]
REPS = {"Rita": "rita@example.com", "Rob": "rob@example.com"}


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def _import(session: Session) -> None:
    customers = "customer_id,name,customer_crm_id,segment,customer_since,churned_at\n"
    customers += f"A,Acme,CRM-A,Enterprise,{ago(400).isoformat()},\n"
    customers += f"B,Birch,,SMB,{ago(400).isoformat()},\n"
    customers += f"C,Cedar,,SMB,{ago(400).isoformat()},{ago(3).isoformat()}\n"
    customers += f"D,Dune,,SMB,{ago(400).isoformat()},\n"
    revenue = "revenue_id,customer_id,occurred_at,amount,currency\n"
    payments = [("A", 75, "100"), ("A", 20, "-30"), ("B", 10, "50"), ("C", 5, "9"), ("D", 170, "5")]
    revenue += "".join(
        f"R{i},{who},{ago(days).isoformat()},{amount},EUR\n"
        for i, (who, days, amount) in enumerate(payments)
    )
    cases = "case_id,customer_name,escalated\nK1,Acme,true\nK2,Acme,false\n"
    contacts = "contact_id,case_id,customer_name,started_at,resolved\n"
    contacts += f"c1,K1,Acme,{ago(2).isoformat()},false\nc2,K2,Acme,{ago(60).isoformat()},true\n"
    surveys = "survey_id,customer_name,responded_at,csat,nps\n"
    surveys += f"s1,Acme,{ago(10).isoformat()},5,9\ns2,Acme,{ago(50).isoformat()},2,\n"
    config = KpiConfig()
    import_engagement(session, config, io.StringIO(customers), io.StringIO(revenue))
    import_csv(session, config, io.StringIO(cases), io.StringIO(contacts), io.StringIO(surveys))


def seed_customers(session: Session) -> dict[str, int]:
    """The five customers (ids by name, committed); Rita's call and Rob's call are both Acme's
    (their keys must exist first, so the calls belong to the keys' users)."""
    _import(session)
    acme = session.exec(select(Customer).where(Customer.name == "Acme")).one()
    summary = SeedSummary(text="Adapter replaced after a long wait.", sentiment="negative")
    for (name, email), days in zip(REPS.items(), (5, 30), strict=True):
        make_call(
            session,
            status=CallStatus.DONE,
            customer=acme,
            agent=make_agent(session, name=name, email=email),
            started_at=ago(days),
            summary=summary,
        )
    make_customer(session, name="Zephyr")
    session.commit()
    return {c.name: c.id or 0 for c in session.exec(select(Customer))}
