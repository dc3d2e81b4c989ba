"""A customer's page: their KPIs and their contact history."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.core.tables import Customer, User
from agent.kpis.periods import GroupBy, KpiConfig, from_epoch
from agent.kpis.queries import KpiFilters
from agent.kpis.report import KpiRow, kpi_report
from agent.kpis.tables import Contact, ServiceCase


class ContactEntry(BaseModel):
    id: int
    started_at: dt.datetime
    call_id: str | None
    external_id: str | None
    agent: str | None
    team: str | None
    category: str
    case_id: int
    crm_case_id: str | None
    resolved: bool
    escalated: bool
    repeat: bool
    handle_s: float


class CustomerDetail(BaseModel):
    id: int
    name: str
    crm_id: str | None
    window_days: float
    timezone: str
    kpis: KpiRow
    contacts: list[ContactEntry]


def customer_detail(
    engine: Engine,
    customer: Customer,
    config: KpiConfig,
    filters: KpiFilters,
    limit: int = 100,
) -> CustomerDetail:
    """KPIs over ``filters`` (with this customer) and the newest ``limit`` contacts they match."""
    assert customer.id is not None
    report = kpi_report(engine, GroupBy.CUSTOMER, filters, config)
    kpis = report.rows[0] if report.rows else KpiRow(key=str(customer.id), label=customer.name)
    with Session(engine) as session:
        history = _history(session, customer.id, filters, config, limit)
    return CustomerDetail(
        id=customer.id,
        name=customer.name,
        crm_id=customer.crm_id,
        window_days=config.window_days,
        timezone=config.timezone,
        kpis=kpis,
        contacts=history,
    )


def _history(
    session: Session, customer_id: int, filters: KpiFilters, config: KpiConfig, limit: int
) -> list[ContactEntry]:
    query = (
        select(Contact, ServiceCase.crm_case_id, User.name)
        .join(ServiceCase, col(ServiceCase.id) == Contact.case_id)
        .outerjoin(User, col(User.id) == Contact.agent_id)
        .where(Contact.customer_id == customer_id)
        .order_by(col(Contact.started_ts).desc(), col(Contact.id).desc())
        .limit(limit)
    )
    if filters.agent_id is not None:
        query = query.where(Contact.agent_id == filters.agent_id)
    return [
        _entry(contact, crm_case_id, agent, config)
        for contact, crm_case_id, agent in session.exec(query)
    ]


def _entry(
    contact: Contact, crm_case_id: str | None, agent: str | None, config: KpiConfig
) -> ContactEntry:
    assert contact.id is not None
    gap = None if contact.prev_ts is None else contact.started_ts - contact.prev_ts
    acw = contact.acw_s if contact.acw_s is not None else config.after_call_work_s
    return ContactEntry(
        id=contact.id,
        started_at=from_epoch(contact.started_ts),
        call_id=contact.call_id,
        external_id=contact.external_id,
        agent=agent,
        team=contact.team,
        category=contact.category,
        case_id=contact.case_id,
        crm_case_id=crm_case_id,
        resolved=bool(contact.resolved),
        escalated=bool(contact.escalated),
        repeat=gap is not None and gap <= config.repeat_window_s,
        handle_s=contact.talk_s + contact.hold_s + acw,
    )
