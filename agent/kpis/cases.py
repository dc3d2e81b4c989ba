"""Cases and contacts: which case a contact belongs to, and the facts each case derives.

A contact joins the case named by its CRM case id; without one, the open-or-recent case of the
same customer and issue category whose contacts come within the repeat window; otherwise it opens
a new case. After contacts change, ``refresh_cases`` rederives every case fact (first contact,
next contact, resolution, reopening) from the contacts with window functions, in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from agent.kpis.periods import KpiConfig, local_day_and_month, to_epoch
from agent.kpis.tables import Contact, ServiceCase

DEFAULT_CATEGORY = "general"
REFRESH_CHUNK = 2000


@dataclass(frozen=True)
class ContactFacts:
    """What is known about one contact when it is recorded."""

    started_at: dt.datetime
    customer_id: int | None = None
    agent_id: int | None = None
    team: str | None = None
    category: str = DEFAULT_CATEGORY
    talk_s: float = 0.0
    hold_s: float = 0.0
    acw_s: float | None = None
    channel: str = "voice"
    resolved: bool = False
    escalated: bool = False
    sentiment_change: float | None = None
    talk_ratio: float | None = None
    call_id: str | None = None
    external_id: str | None = None
    crm_case_id: str | None = None
    case_id: int | None = None


def add_contact(session: Session, facts: ContactFacts, config: KpiConfig) -> Contact:
    """Put the contact on its case (opening one if needed) and refresh that case's facts."""
    case = find_or_open_case(session, facts, config)
    contact = contact_row(facts, case, config)
    session.add(contact)
    session.flush()
    assert case.id is not None
    refresh_cases(session, [case.id])
    return contact


def contact_row(facts: ContactFacts, case: ServiceCase, config: KpiConfig) -> Contact:
    assert case.id is not None
    started = to_epoch(facts.started_at)
    day, month = local_day_and_month(started, config.zone)
    return Contact(
        case_id=case.id,
        customer_id=facts.customer_id if facts.customer_id is not None else case.customer_id,
        agent_id=facts.agent_id,
        team=facts.team,
        category=case.category,
        call_id=facts.call_id,
        external_id=facts.external_id,
        started_ts=started,
        ended_ts=started + round(facts.talk_s + facts.hold_s),
        local_day=day,
        local_month=month,
        talk_s=facts.talk_s,
        hold_s=facts.hold_s,
        acw_s=facts.acw_s,
        channel=facts.channel,
        resolved=int(facts.resolved),
        escalated=int(facts.escalated),
        sentiment_change=facts.sentiment_change,
        talk_ratio=facts.talk_ratio,
    )


def find_or_open_case(session: Session, facts: ContactFacts, config: KpiConfig) -> ServiceCase:
    """The case this contact is about: explicit, by CRM case id, by repeat window, or new."""
    if facts.case_id is not None:
        return session.get_one(ServiceCase, facts.case_id)
    if facts.crm_case_id:
        found = session.exec(
            select(ServiceCase).where(ServiceCase.crm_case_id == facts.crm_case_id)
        ).first()
        return found or _open(session, facts, crm_case_id=facts.crm_case_id)
    if facts.customer_id is not None:
        found = _recent_case(session, facts, config)
        if found is not None:
            return found
    return _open(session, facts)


def _recent_case(session: Session, facts: ContactFacts, config: KpiConfig) -> ServiceCase | None:
    started = to_epoch(facts.started_at)
    window = config.repeat_window_s
    query = (
        select(ServiceCase)
        .where(
            ServiceCase.customer_id == facts.customer_id,
            ServiceCase.category == facts.category,
            col(ServiceCase.crm_case_id).is_(None),
            col(ServiceCase.last_contact_ts) >= started - window,
            col(ServiceCase.opened_ts) <= started + window,
        )
        .order_by(col(ServiceCase.last_contact_ts).desc())
    )
    return session.exec(query).first()


def _open(session: Session, facts: ContactFacts, crm_case_id: str | None = None) -> ServiceCase:
    case = ServiceCase(
        crm_case_id=crm_case_id, customer_id=facts.customer_id, category=facts.category
    )
    session.add(case)
    session.flush()
    return case


def close_crm_case(
    session: Session, crm_case_id: str, closed_at: dt.datetime, config: KpiConfig
) -> ServiceCase:
    """Record that the CRM closed a case (the case.closed event); opens the case if unknown."""
    case = session.exec(select(ServiceCase).where(ServiceCase.crm_case_id == crm_case_id)).first()
    if case is None:
        case = _open(session, ContactFacts(started_at=closed_at), crm_case_id=crm_case_id)
    case.closed_ts = to_epoch(closed_at)
    session.add(case)
    session.flush()
    assert case.id is not None
    refresh_cases(session, [case.id])
    session.refresh(case)
    return case


# Every case fact from its contacts, in one pass per case with window functions. The same text
# runs on SQLite (3.33+, for UPDATE ... FROM) and PostgreSQL.
_CONTACT_FACTS = """
UPDATE contact SET prev_ts = w.prev_ts
FROM (
    SELECT id, lag(started_ts) OVER (PARTITION BY case_id ORDER BY started_ts, id) AS prev_ts
    FROM contact WHERE {where}
) AS w
WHERE contact.id = w.id
"""

# Resolution events are resolving contacts (at their end) and CRM closures. The expressions
# read the row being written: ``closure`` (the CRM's), ``first_res``, ``last_res``, ``last_ts`` and
# ``opened`` come from the case facts' subquery, or from the case's own columns when it has no
# contacts.
_FIRST_RESOLUTION = """CASE WHEN closure IS NULL THEN first_res
    WHEN first_res IS NULL OR closure < first_res THEN closure ELSE first_res END"""
_LAST_RESOLUTION = """CASE WHEN closure IS NULL THEN last_res
    WHEN last_res IS NULL OR closure > last_res THEN closure ELSE last_res END"""
_RESOLVED = f"""CASE WHEN ({_LAST_RESOLUTION}) IS NOT NULL
    AND (last_ts IS NULL OR last_ts <= {_LAST_RESOLUTION}) THEN {_LAST_RESOLUTION} END"""
_RESOLUTION_COLUMNS = f"""first_resolved_ts = {_FIRST_RESOLUTION},
    resolved_ts = {_RESOLVED},
    resolution_s = ({_RESOLVED}) - opened,
    reopened = CASE WHEN ({_FIRST_RESOLUTION}) IS NOT NULL AND last_ts > {_FIRST_RESOLUTION}
        THEN 1 ELSE 0 END"""

# Each case row is written once: every version of a row is a new entry in each of the table's
# indexes on PostgreSQL, and three writes per case left the KPI index three times its size.
_CASE_FACTS = f"""
UPDATE service_case SET
    contact_count = f.n, opened_ts = f.opened, opened_local_day = f.local_day,
    opened_local_month = f.local_month, first_agent_id = f.agent_id, team = f.team,
    second_ts = f.next_ts, last_contact_ts = f.last_ts,
    first_resolving_ts = f.first_res, last_resolving_ts = f.last_res,
    escalated = CASE WHEN f.any_escalated > 0 OR service_case.crm_escalated > 0 THEN 1 ELSE 0 END,
    {_RESOLUTION_COLUMNS}
FROM (
    SELECT w.*, k.closed_ts AS closure
    FROM (
        SELECT case_id, started_ts AS opened, local_day, local_month, agent_id, team,
            row_number() OVER w AS rn, lead(started_ts) OVER w AS next_ts,
            count(*) OVER p AS n, max(started_ts) OVER p AS last_ts,
            min(CASE WHEN resolved = 1 THEN ended_ts END) OVER p AS first_res,
            max(CASE WHEN resolved = 1 THEN ended_ts END) OVER p AS last_res,
            max(escalated) OVER p AS any_escalated
        FROM contact WHERE {{where}}
        WINDOW w AS (PARTITION BY case_id ORDER BY started_ts, id), p AS (PARTITION BY case_id)
    ) AS w
    JOIN service_case AS k ON k.id = w.case_id
    WHERE w.rn = 1
) AS f
WHERE service_case.id = f.case_id
"""

# Cases without contacts (a CRM closure seen first): resolved by the closure alone.
_CONTACTLESS_RESOLUTION = f"""
UPDATE service_case SET {_RESOLUTION_COLUMNS}
FROM (
    SELECT id AS case_id, closed_ts AS closure, first_resolving_ts AS first_res,
        last_resolving_ts AS last_res, last_contact_ts AS last_ts, opened_ts AS opened
    FROM service_case AS k
    WHERE {{where}} AND NOT EXISTS (SELECT 1 FROM contact WHERE contact.case_id = k.id)
) AS f
WHERE service_case.id = f.case_id
"""


def refresh_cases(session: Session, case_ids: Iterable[int]) -> None:
    """Rederive the facts of these cases (and their contacts' previous-contact times)."""
    ids = sorted(set(case_ids))
    session.flush()
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        _refresh(session, "case_id IN :ids", "id IN :ids", {"ids": chunk})
    session.expire_all()


def refresh_all_cases(session: Session) -> None:
    """Rederive every case's facts; for bulk loads."""
    session.flush()
    _refresh(session, "1 = 1", "1 = 1", {})
    session.expire_all()


def _refresh(
    session: Session, contact_where: str, case_where: str, params: dict[str, Sequence[int]]
) -> None:
    statements = (
        _CONTACT_FACTS.format(where=contact_where),
        _CASE_FACTS.format(where=contact_where),
        _CONTACTLESS_RESOLUTION.format(where=case_where),
    )
    for sql in statements:
        statement = text(sql)
        if params:
            statement = statement.bindparams(bindparam("ids", expanding=True))
        session.connection().execute(statement, params)
