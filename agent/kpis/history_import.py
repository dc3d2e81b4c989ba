"""History import: cases, contacts and surveys from CSV, all or nothing.

Every row is checked, in every way, before the import is kept; any problem stops the whole
import with a list of all that is wrong, file and line by line, and the database is left as
it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO

from pydantic import ValidationError
from sqlmodel import Session, select

from agent.core.errors import InvalidInput
from agent.core.tables import Customer, User
from agent.kpis.cases import ContactFacts, contact_row, find_or_open_case, refresh_cases
from agent.kpis.import_rows import (
    CaseRow,
    ContactRow,
    ParsedFile,
    Problems,
    SurveyRow,
    Where,
    Who,
    parse,
)
from agent.kpis.periods import KpiConfig, aware, to_epoch
from agent.kpis.surveys import SurveyIn, SurveyRejected, add_survey
from agent.kpis.tables import Contact, ServiceCase


class ImportRejected(InvalidInput):
    """The import was refused; ``problems`` says where and why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = problems


@dataclass
class ImportResult:
    cases: int = 0
    contacts: int = 0
    surveys: int = 0


@dataclass
class _Batch:
    cases: ParsedFile[CaseRow]
    contacts: ParsedFile[ContactRow]
    surveys: ParsedFile[SurveyRow]


def import_csv(
    session: Session,
    config: KpiConfig,
    cases: IO[str] | None = None,
    contacts: IO[str] | None = None,
    surveys: IO[str] | None = None,
    date_format: str | None = None,
) -> ImportResult:
    """Import the given files in one transaction (the caller commits); raises ImportRejected.

    Dates are ISO 8601, or written in ``date_format`` (strptime's codes) when one is given.
    Every row is checked, in every way, before anything is kept: the rows that read well are
    written and checked against each other and the database, then all is rolled back if any
    problem was found anywhere.
    """
    problems = Problems()
    batch = _Batch(
        parse(cases, CaseRow, "case_id", 0, problems, date_format),
        parse(contacts, ContactRow, "contact_id", 1, problems, date_format),
        parse(surveys, SurveyRow, "survey_id", 2, problems, date_format),
    )
    _closed_before_first_contact(batch, problems)
    result = _Writer(session, config, problems).write(batch)
    if problems:
        session.rollback()
        raise ImportRejected(problems.lines())
    return result


def _closed_before_first_contact(batch: _Batch, problems: Problems) -> None:
    first: dict[str, tuple[Where, dt.datetime]] = {}
    for where, contact in batch.contacts.rows:
        known = first.get(contact.case_id or "")
        if contact.case_id and (known is None or contact.started_at < known[1]):
            first[contact.case_id] = (where, contact.started_at)
    for where, case in batch.cases.rows:
        opened = first.get(case.case_id)
        if case.closed_at is not None and opened is not None and case.closed_at < opened[1]:
            problems.add(
                where,
                f"closed_at {case.closed_at.isoformat()} is before the case's first contact"
                f" ({opened[0]}, {opened[1].isoformat()})",
            )


class _Writer:
    def __init__(self, session: Session, config: KpiConfig, problems: Problems) -> None:
        self.session, self.config, self.problems = session, config, problems
        self.case_ids: dict[str, int] = {}
        self.contact_ids: dict[str, int] = {}
        self.failed_cases: set[str] = set()
        self.failed_contacts: set[str] = set()

    def write(self, batch: _Batch) -> ImportResult:
        self.failed_cases, self.failed_contacts = batch.cases.failed_ids, batch.contacts.failed_ids
        for where, case_row in batch.cases.rows:
            self._case(where, case_row)
        touched: set[int] = set()
        for where, contact_row_ in sorted(
            batch.contacts.rows, key=lambda item: aware(item[1].started_at)
        ):
            case_id = self._contact(where, contact_row_)
            if case_id is not None:
                touched.add(case_id)
        refresh_cases(self.session, touched | set(self.case_ids.values()))
        for where, survey_row in batch.surveys.rows:
            self._survey(where, survey_row)
        return ImportResult(
            len(batch.cases.rows), len(batch.contacts.rows), len(batch.surveys.rows)
        )

    def _case(self, where: Where, row: CaseRow) -> None:
        if self._exists(ServiceCase, row.case_id) or row.case_id in self.case_ids:
            self.problems.add(where, f"case_id {row.case_id!r} is already imported")
            return
        if (
            row.crm_case_id
            and self.session.exec(
                select(ServiceCase.id).where(ServiceCase.crm_case_id == row.crm_case_id)
            ).first()
        ):
            self.problems.add(where, f"crm_case_id {row.crm_case_id!r} is already a case")
            return
        case = ServiceCase(
            external_id=row.case_id,
            crm_case_id=row.crm_case_id,
            customer_id=self._customer(row),
            category=row.category.strip().lower(),
            closed_ts=to_epoch(row.closed_at) if row.closed_at else None,
            crm_escalated=int(row.escalated),
        )
        self.session.add(case)
        self.session.flush()
        assert case.id is not None
        self.case_ids[row.case_id] = case.id

    def _contact(self, where: Where, row: ContactRow) -> int | None:
        if self._exists(Contact, row.contact_id) or row.contact_id in self.contact_ids:
            self.problems.add(where, f"contact_id {row.contact_id!r} is already imported")
            return None
        case_id = self._case_id(row.case_id) if row.case_id else None
        if row.case_id and case_id is None:
            if row.case_id not in self.failed_cases:  # else its own row's problem says it all
                self.problems.add(
                    where, f"case_id {row.case_id!r} is not in the cases file nor imported before"
                )
            return None
        agent = self._agent(row)
        facts = ContactFacts(
            started_at=row.started_at,
            customer_id=self._customer(row),
            agent_id=agent.id if agent else None,
            team=row.team or (agent.team if agent else None),
            category=row.category.strip().lower(),
            talk_s=row.talk_s,
            hold_s=row.hold_s,
            acw_s=row.acw_s,
            resolved=row.resolved,
            escalated=row.escalated,
            external_id=row.contact_id,
            crm_case_id=row.crm_case_id,
            case_id=case_id,
        )
        case = find_or_open_case(self.session, facts, self.config)
        contact = contact_row(facts, case, self.config)
        self.session.add(contact)
        self.session.flush()
        assert contact.id is not None and case.id is not None
        self.contact_ids[row.contact_id] = contact.id
        if case_id is None and not row.crm_case_id:
            refresh_cases(self.session, [case.id])  # the next inferred contact must see it
        return case.id

    def _survey(self, where: Where, row: SurveyRow) -> None:
        contact_id = self._contact_id(row.contact_id) if row.contact_id else None
        if row.contact_id and contact_id is None:
            if row.contact_id not in self.failed_contacts:
                self.problems.add(where, f"contact_id {row.contact_id!r} is not imported")
            return
        try:
            data = SurveyIn(
                contact_id=contact_id,
                customer_id=None if contact_id else self._customer(row),
                responded_at=row.responded_at,
                csat=row.csat,
                nps=row.nps,
                ces=row.ces,
                external_id=row.survey_id,
            )
            add_survey(self.session, data, self.config)
        except (ValidationError, SurveyRejected) as error:
            self.problems.add(where, _first_message(error))

    def _exists(self, table: type[ServiceCase] | type[Contact], external_id: str) -> bool:
        query = select(table.id).where(table.external_id == external_id)
        return self.session.exec(query).first() is not None

    def _case_id(self, external_id: str) -> int | None:
        if external_id in self.case_ids:
            return self.case_ids[external_id]
        return self.session.exec(
            select(ServiceCase.id).where(ServiceCase.external_id == external_id)
        ).first()

    def _contact_id(self, external_id: str) -> int | None:
        if external_id in self.contact_ids:
            return self.contact_ids[external_id]
        return self.session.exec(
            select(Contact.id).where(Contact.external_id == external_id)
        ).first()

    def _customer(self, row: Who) -> int | None:
        if not (row.customer_crm_id or row.customer_name):
            return None
        query = (
            select(Customer).where(Customer.crm_id == row.customer_crm_id)
            if row.customer_crm_id
            else select(Customer).where(Customer.name == row.customer_name)
        )
        customer = self.session.exec(query).first()
        if customer is None:
            customer = Customer(
                name=row.customer_name or row.customer_crm_id or "", crm_id=row.customer_crm_id
            )
            self.session.add(customer)
            self.session.flush()
        return customer.id

    def _agent(self, row: ContactRow) -> User | None:
        if not (row.agent_email or row.agent_name):
            return None
        query = (
            select(User).where(User.email == row.agent_email)
            if row.agent_email
            else select(User).where(User.name == row.agent_name)
        )
        user = self.session.exec(query).first()
        if user is None:
            user = User(
                name=row.agent_name or row.agent_email or "", email=row.agent_email, team=row.team
            )
            self.session.add(user)
            self.session.flush()
        return user


def _first_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
    return str(error)
