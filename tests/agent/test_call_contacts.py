"""Processed calls become contacts on cases when their summary is approved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import ActionItem, Call
from agent.engagement.health_queries import gather
from agent.kpis.call_contacts import record_call_contact
from agent.kpis.periods import GroupBy, KpiConfig, to_epoch
from agent.kpis.queries import KpiFilters
from agent.kpis.report import kpi_report
from agent.kpis.tables import Contact, ServiceCase
from api.composition import build_container
from support.factories import (
    Said,
    SeedSummary,
    make_agent,
    make_call,
    make_customer,
    said_in_turn,
)

CONFIG = KpiConfig()


SPOKEN = [Said("agent", "a", 0, 30), Said("customer", "b", 30, 40)]
MOOD = {"sentiment_start": "negative", "sentiment_end": "positive"}


def acme_call(
    session: Session,
    started: dt.datetime,
    resolution: str,
    topics: list[str],
    crm_case_id: str | None = None,
) -> Call:
    """A four-minute call from Acme to Sam of the north team, summarised and ready to sync."""
    return make_call(
        session,
        started_at=started,
        duration_s=240.0,
        customer=make_customer(session),
        agent=make_agent(session, team="north"),
        crm_case_id=crm_case_id,
        transcript=SPOKEN,
        summary=SeedSummary("t", (), resolution, "neutral", tuple(topics), MOOD),
    )


def test_the_sync_stage_turns_an_approved_call_into_a_contact(
    settings: Settings, engine: Engine
) -> None:
    with Session(engine) as session:
        call_id = acme_call(
            session, dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), "resolved", ["password", "reset"]
        ).id
        session.commit()
    container = build_container(settings)
    container.pipeline.sync(call_id)
    with Session(engine) as session:
        call = session.get_one(Call, call_id)
        assert call.status == "done"
        contact = session.exec(select(Contact).where(Contact.call_id == call_id)).one()
        assert (contact.category, contact.team, contact.resolved) == ("password", "north", 1)
        assert contact.talk_ratio == 0.75 and contact.sentiment_change == 2.0
        assert record_call_contact(session, call, CONFIG) is not None  # a second run: same row
        assert len(session.exec(select(Contact)).all()) == 1
    container.engine.dispose()


def test_repeat_calls_on_the_same_issue_share_a_case(engine: Engine) -> None:
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    with Session(engine) as session:
        first = acme_call(session, start, "unresolved", ["password"])
        second = acme_call(session, start + dt.timedelta(days=3), "resolved", ["password"])
        other = acme_call(session, start + dt.timedelta(days=4), "escalated", ["invoice"])
        later = acme_call(session, start + dt.timedelta(days=11), "resolved", ["password"])
        for call in (first, second, other, later):
            record_call_contact(session, call, CONFIG)
        session.add(
            ActionItem(
                call_id=first.id,
                position=0,
                description="x",
                owner="Sam",
                due_date=dt.date(2026, 11, 3),
                status="open",
            )
        )
        session.add(
            ActionItem(
                call_id=second.id,
                position=0,
                description="y",
                owner="Sam",
                due_date=dt.date(2026, 11, 3),
                status="done",
            )
        )
        session.commit()
        cases = session.exec(select(ServiceCase).order_by(ServiceCase.id)).all()  # type: ignore[arg-type]
    assert [c.contact_count for c in cases] == [2, 1, 1]
    assert [c.escalated for c in cases] == [0, 1, 0]
    row = kpi_report(engine, GroupBy.TEAM, KpiFilters(), CONFIG).rows[0]
    assert (row.key, row.contacts, row.cases, row.resolved_cases) == ("north", 4, 3, 2)
    assert (row.fcr_rate, row.repeat_contact_rate, row.escalation_rate) == (0.5, 0.25, 0.3333)
    assert (row.action_items_completed, row.action_items_overdue) == (1, 1)
    assert (row.aht_s, row.talk_ratio, row.sentiment_change) == (240.0, 0.75, 2.0)


def test_a_crm_case_id_keeps_calls_together_past_the_window(engine: Engine) -> None:
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    with Session(engine) as session:
        for days, topic in ((0, "password"), (20, "billing")):
            call = acme_call(session, start + dt.timedelta(days=days), "resolved", [topic], "500X")
            record_call_contact(session, call, CONFIG)
        session.commit()
        case = session.exec(select(ServiceCase)).one()
    assert (case.crm_case_id, case.contact_count, case.category) == ("500X", 2, "password")


def summarised_acme_call(
    session: Session, started: dt.datetime, lines: list[tuple[str, str]]
) -> str:
    """A transcribed call from Acme, waiting for its summary; returns its id."""
    call = make_call(
        session,
        status=CallStatus.SUMMARISING,
        started_at=started,
        duration_s=60.0,
        customer=make_customer(session),
        transcript=said_in_turn(lines),
    )
    return call.id


def test_two_calls_about_one_problem_in_other_words_join_one_case(
    settings: Settings, engine: Engine
) -> None:
    first = [
        ("agent", "Northwind support, how can I help?"),
        ("customer", "My internet keeps dropping every evening."),
        ("customer", "The internet light goes red each time."),
        ("agent", "I will check the line and call you back tomorrow."),
    ]
    second = [
        ("agent", "Northwind support, how can I help?"),
        ("customer", "The wifi cuts out all the time."),
        ("customer", "The wifi connection is not working for hours."),
        ("agent", "I am resetting your router now. That fixed it."),
    ]
    with Session(engine) as session:
        ids = [
            summarised_acme_call(session, dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), first),
            summarised_acme_call(session, dt.datetime(2026, 11, 4, 9, tzinfo=dt.UTC), second),
        ]
        session.commit()
    container = build_container(settings)
    for call_id in ids:
        assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(engine) as session:
        contacts = session.exec(select(Contact).order_by(col(Contact.started_ts))).all()
        [case] = session.exec(select(ServiceCase)).all()
    # Keyword topics ("internet", "wifi") would have opened two cases.
    assert [c.call_id for c in contacts] == ids
    assert {c.case_id for c in contacts} == {case.id}
    assert case.category == "connectivity" and case.contact_count == 2
    container.engine.dispose()


def test_the_health_score_counts_the_action_items_of_a_customers_calls(engine: Engine) -> None:
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    with Session(engine) as session:
        calls = [
            acme_call(session, start + dt.timedelta(days=days), "resolved", ["password"])
            for days in (0, 20)
        ]
        for call in calls:
            record_call_contact(session, call, CONFIG)
        for call, status in zip(calls, ("open", "done"), strict=True):
            session.add(
                ActionItem(
                    call_id=call.id,
                    position=0,
                    description="x",
                    owner="Sam",
                    due_date=dt.date(2026, 11, 3),
                    status=status,
                )
            )
        session.commit()
        (customer_id,) = set(session.exec(select(Contact.customer_id)).all())
    assert customer_id is not None
    at = to_epoch(start + dt.timedelta(days=30))
    with engine.connect() as connection:
        everyone = gather(connection, at, CONFIG)
        one = gather(connection, at, CONFIG, customer_id)
    for facts in (everyone[customer_id], one[customer_id]):
        assert (facts.action_items, facts.overdue_action_items) == (2, 1)
    # Ten days in, the second call has not happened yet: only the first call's item counts.
    with engine.connect() as connection:
        earlier = gather(connection, to_epoch(start + dt.timedelta(days=10)), CONFIG)
    assert (earlier[customer_id].action_items, earlier[customer_id].overdue_action_items) == (1, 1)


def test_text_conversations_are_contacts_but_only_live_ones_count_towards_handle_time(
    engine: Engine,
) -> None:
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    with Session(engine) as session:
        voice = acme_call(session, start, "unresolved", ["password"])
        chat = acme_call(session, start + dt.timedelta(days=1), "resolved", ["password"])
        chat.channel, chat.duration_s = "chat", 600.0
        email = acme_call(session, start + dt.timedelta(days=2), "resolved", ["invoice"])
        email.channel, email.duration_s = "email", 2 * 86400.0  # a thread over two days
        for call in (voice, chat, email):
            record_call_contact(session, call, CONFIG)
        session.commit()
        channels = session.exec(select(Contact.channel).order_by(col(Contact.started_ts))).all()
    assert channels == ["voice", "chat", "email"]
    row = kpi_report(engine, GroupBy.TEAM, KpiFilters(), CONFIG).rows[0]
    assert (row.contacts, row.cases, row.repeat_contact_rate) == (3, 2, 0.3333)
    assert row.aht_s == (240.0 + 600.0) / 2
