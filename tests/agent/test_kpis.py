"""KPIs on the hand-computed example, on SQLite and PostgreSQL (docs/kpis.md works them out)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.core.tables import Customer
from agent.kpis.cases import close_crm_case
from agent.kpis.customer_view import customer_detail
from agent.kpis.periods import GroupBy, KpiConfig, to_epoch
from agent.kpis.queries import KpiFilters
from agent.kpis.relocalise import relocalise
from agent.kpis.report import KpiRow, kpi_report
from agent.kpis.tables import ServiceCase
from support.kpi_example import NEW_YORK, load_example

ACME = {
    "key": "1",
    "label": "Acme",
    "contacts": 5,
    "cases": 3,
    "resolved_cases": 3,
    "fcr_rate": 0.3333,
    "repeat_contact_rate": 0.2,
    "resolution_time_mean_h": 84.5056,
    "resolution_time_median_h": 48.25,
    "resolution_time_p90_h": 173.7167,
    "aht_s": 576.0,
    "escalation_rate": 0.0,
    "csat": 0.5,
    "nps": 0.0,
    "ces": 3.5,
    "surveys": 2,
}
BIRCH = {
    "key": "2",
    "label": "Birch",
    "contacts": 6,
    "cases": 4,
    "resolved_cases": 3,
    "fcr_rate": 0.6667,
    "repeat_contact_rate": 0.1667,
    "resolution_time_mean_h": 34.8796,
    "resolution_time_median_h": 48.0556,
    "resolution_time_p90_h": 54.8111,
    "aht_s": 433.3333,
    "escalation_rate": 0.25,
    "csat": 1.0,
    "nps": 0.0,
    "ces": None,
    "surveys": 1,
}


def rows(
    engine: Engine, group_by: GroupBy, config: KpiConfig = NEW_YORK, **filters: Any
) -> dict[str | None, KpiRow]:
    report = kpi_report(engine, group_by, KpiFilters(**filters), config)
    return {row.key: row for row in report.rows}


def subset(row: KpiRow, expected: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in expected}


def case_by_name(engine: Engine, external_id: str) -> ServiceCase:
    with Session(engine) as session:
        return session.exec(select(ServiceCase).where(ServiceCase.external_id == external_id)).one()


def test_per_customer_figures_match_the_hand_computation(engine: Engine) -> None:
    load_example(engine)
    by_customer = rows(engine, GroupBy.CUSTOMER)
    assert subset(by_customer["1"], ACME) == ACME
    assert subset(by_customer["2"], BIRCH) == BIRCH
    dune = by_customer["4"]  # a survey, but no contacts and no cases
    assert (dune.contacts, dune.cases, dune.fcr_rate, dune.csat, dune.nps) == (
        0,
        0,
        None,
        0.0,
        -100.0,
    )
    assert "3" not in by_customer  # Cedar's only case has no contact: it never opened


def test_months_follow_the_business_timezone(engine: Engine) -> None:
    load_example(engine)
    new_york = rows(engine, GroupBy.MONTH)
    assert {k: (r.contacts, r.cases) for k, r in new_york.items()} == {
        "2026-11": (10, 7),  # c8 (01:00 UTC on 1 December) is 30 November in New York
        "2026-12": (1, 0),
    }
    assert new_york["2026-11"].fcr_rate == 0.5


def test_the_same_contacts_in_utc_move_the_case_into_december(engine: Engine) -> None:
    utc = KpiConfig(timezone="UTC")
    load_example(engine, utc)
    months = rows(engine, GroupBy.MONTH, utc)
    assert {k: (r.contacts, r.cases) for k, r in months.items()} == {
        "2026-11": (9, 6),
        "2026-12": (2, 1),
    }
    assert months["2026-12"].resolution_time_mean_h == 205.0833  # K5 spans the month boundary


def test_days_and_weeks_are_local(engine: Engine) -> None:
    load_example(engine)
    birch_days = rows(engine, GroupBy.DAY, customer_id=2)
    assert "2026-11-17" in birch_days and "2026-11-18" not in birch_days  # c7, 03:30 UTC
    assert birch_days["2026-11-17"].escalation_rate == 1.0
    weeks = rows(engine, GroupBy.WEEK)
    assert list(weeks) == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
        "2026-12-07",
    ]
    assert sum(r.contacts for r in weeks.values()) == 11
    assert weeks["2026-11-02"].contacts == 4  # c1, c2, c3, c10 (Monday 2 - Sunday 8)


def test_filters_narrow_every_figure(engine: Engine) -> None:
    load_example(engine)
    window = rows(
        engine, GroupBy.TEAM, date_from=dt.date(2026, 11, 10), date_to=dt.date(2026, 11, 20)
    )
    assert {k: (r.contacts, r.cases) for k, r in window.items()} == {
        "north": (3, 1),  # c5, c7, c11; K4 opened by Ann on 17 November
        "south": (1, 1),  # c4; the shipping case X1 it opened
        None: (0, 0),  # Dune's survey of 20 November: no contact, so no team
    }
    assert rows(engine, GroupBy.AGENT, category="login")["1"].contacts == 2  # Ann: c2, c11
    assert rows(engine, GroupBy.CUSTOMER, team="south", customer_id=1)["1"].contacts == 2


def test_agents_own_the_cases_they_opened(engine: Engine) -> None:
    load_example(engine)
    agents = rows(engine, GroupBy.AGENT)
    assert (agents["1"].label, agents["1"].contacts, agents["1"].cases) == ("Ann", 6, 3)
    assert (agents["2"].label, agents["2"].contacts, agents["2"].cases) == ("Ben", 5, 4)


def test_repeats_and_cases_follow_the_window(engine: Engine) -> None:
    load_example(engine)
    case_x1 = case_by_name(engine, "K1")
    assert case_x1.contact_count == 1
    with Session(engine) as session:
        birch_cases = session.exec(
            select(ServiceCase).where(
                ServiceCase.customer_id == 2, ServiceCase.category == "shipping"
            )
        ).all()
    assert sorted(c.contact_count for c in birch_cases) == [1, 2]  # c4+c5 within 7 days; c6 after
    one_day = KpiConfig(timezone="America/New_York", repeat_window_s=86400)
    acme = rows(engine, GroupBy.CUSTOMER, one_day)["1"]
    assert (acme.repeat_contact_rate, acme.fcr_rate) == (0.0, 0.6667)  # K2's repeat is 2 days on


def test_a_reopened_case_is_not_resolved_until_resolved_again(engine: Engine) -> None:
    load_example(engine)
    k7 = case_by_name(engine, "K7")
    assert (k7.reopened, k7.resolved_ts, k7.first_resolved_ts is not None) == (1, None, True)
    k2 = case_by_name(engine, "K2")
    assert (k2.reopened, k2.resolution_s) == (1, 48 * 3600 + 900)
    with Session(engine) as session:
        close_crm_case(session, "500B", dt.datetime(2026, 11, 15, 10, tzinfo=dt.UTC), NEW_YORK)
        session.commit()
    k7 = case_by_name(engine, "K7")
    assert k7.resolution_s == 11 * 86400
    birch = rows(engine, GroupBy.CUSTOMER)["2"]
    # K7 was resolved at its first contact and its next contact came after the window: FCR.
    assert (birch.resolved_cases, birch.fcr_rate) == (4, 0.75)


def test_a_closure_for_an_unknown_case_resolves_it_without_a_resolution_time(
    engine: Engine,
) -> None:
    closed_at = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    with Session(engine) as session:
        case = close_crm_case(session, "500Z", closed_at, NEW_YORK)
        session.commit()
        facts = (case.first_resolved_ts, case.resolved_ts, case.resolution_s, case.reopened)
    assert facts == (to_epoch(closed_at), to_epoch(closed_at), None, 0)


def test_after_call_work_is_configurable(engine: Engine) -> None:
    load_example(engine)
    thirty = KpiConfig(timezone="America/New_York", after_call_work_s=30)
    assert rows(engine, GroupBy.CUSTOMER, thirty)["1"].aht_s == 600.0  # c1 keeps its own 120 s


def test_a_customer_without_contacts_has_empty_figures(engine: Engine) -> None:
    load_example(engine)
    with Session(engine) as session:
        cedar = session.exec(select(Customer).where(Customer.name == "Cedar")).one()
    detail = customer_detail(engine, cedar, NEW_YORK, KpiFilters(customer_id=cedar.id))
    assert (detail.kpis.contacts, detail.kpis.cases, detail.kpis.fcr_rate) == (0, 0, None)
    assert detail.contacts == []


def test_nothing_at_all_gives_no_rows(engine: Engine) -> None:
    for group_by in GroupBy:
        assert kpi_report(engine, group_by, KpiFilters(), NEW_YORK).rows == []


@pytest.mark.parametrize("group_by", list(GroupBy))
def test_every_grouping_counts_every_contact_once(engine: Engine, group_by: GroupBy) -> None:
    load_example(engine)
    report = kpi_report(engine, group_by, KpiFilters(), NEW_YORK)
    assert sum(row.contacts for row in report.rows) == 11
    assert sum(row.cases for row in report.rows) == 7
    assert sum(row.surveys for row in report.rows) == 4


def test_relocalising_after_a_timezone_change_moves_rows_to_their_new_days(
    engine: Engine,
) -> None:
    load_example(engine, KpiConfig(timezone="UTC"))
    with Session(engine) as session:
        assert relocalise(session, NEW_YORK) == 11 + 4 + 7  # contacts, surveys, opened cases
        session.commit()
    months = rows(engine, GroupBy.MONTH)
    assert {k: (r.contacts, r.cases) for k, r in months.items()} == {
        "2026-11": (10, 7),
        "2026-12": (1, 0),
    }
