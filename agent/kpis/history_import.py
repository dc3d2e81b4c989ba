"""History import: cases, contacts and surveys from CSV, all or nothing.

Every row is checked before anything is written; any problem stops the whole import with a list
of what is wrong, file and line by line, and the database is left as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, select

from agent.core.errors import InvalidInput
from agent.core.tables import Customer, User
from agent.kpis.cases import ContactFacts, contact_row, find_or_open_case, refresh_cases
from agent.kpis.periods import KpiConfig, aware, to_epoch
from agent.kpis.surveys import SurveyIn, SurveyRejected, add_survey
from agent.kpis.tables import Contact, ServiceCase

Row = TypeVar("Row", bound=BaseModel)


class _Who(BaseModel):
    customer_name: str | None = Field(None, max_length=200)
    customer_crm_id: str | None = Field(None, max_length=64)


class CaseRow(_Who):
    case_id: str = Field(max_length=100)
    category: str = Field("general", max_length=100)
    crm_case_id: str | None = Field(None, max_length=64)
    closed_at: dt.datetime | None = None
    escalated: bool = False


class ContactRow(_Who):
    contact_id: str = Field(max_length=100)
    case_id: str | None = Field(None, max_length=100)
    crm_case_id: str | None = Field(None, max_length=64)
    agent_name: str | None = Field(None, max_length=200)
    agent_email: str | None = Field(None, max_length=320)
    team: str | None = Field(None, max_length=100)
    category: str = Field("general", max_length=100)
    started_at: dt.datetime
    talk_s: float = Field(0.0, ge=0)
    hold_s: float = Field(0.0, ge=0)
    acw_s: float | None = Field(None, ge=0)
    resolved: bool = False
    escalated: bool = False


class SurveyRow(_Who):
    survey_id: str = Field(max_length=100)
    contact_id: str | None = Field(None, max_length=100)
    responded_at: dt.datetime
    csat: int | None = Field(None, ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    ces: int | None = Field(None, ge=1, le=7)


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
    problems: list[str] = field(default_factory=list)
    cases: list[tuple[str, CaseRow]] = field(default_factory=list)
    contacts: list[tuple[str, ContactRow]] = field(default_factory=list)
    surveys: list[tuple[str, SurveyRow]] = field(default_factory=list)


def import_csv(
    session: Session,
    config: KpiConfig,
    cases: IO[str] | None = None,
    contacts: IO[str] | None = None,
    surveys: IO[str] | None = None,
) -> ImportResult:
    """Import the given files in one transaction (the caller commits); raises ImportRejected."""
    batch = _Batch()
    batch.cases = list(_parse(cases, CaseRow, batch.problems))
    batch.contacts = list(_parse(contacts, ContactRow, batch.problems))
    batch.surveys = list(_parse(surveys, SurveyRow, batch.problems))
    if batch.problems:
        raise ImportRejected(batch.problems)
    writer = _Writer(session, config, batch.problems)
    result = writer.write(batch)
    if batch.problems:
        session.rollback()
        raise ImportRejected(batch.problems)
    return result


def _parse(
    source: IO[str] | None, model: type[Row], problems: list[str]
) -> Iterator[tuple[str, Row]]:
    if source is None:
        return
    name = getattr(source, "name", model.__name__)
    reader = csv.DictReader(source)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    missing = required - set(reader.fieldnames or [])
    if missing:
        problems.append(f"{name}: missing column(s) {', '.join(sorted(missing))}")
        return
    for line, record in enumerate(reader, start=2):
        where = f"{name} line {line}"
        try:
            yield where, model.model_validate(_given(record))
        except ValidationError as error:
            for e in error.errors():
                column = ".".join(str(p) for p in e["loc"]) or "row"
                problems.append(f"{where}: {column}: {e['msg']}")


def _given(record: dict[str | None, Any]) -> dict[str, str]:
    """The row's non-blank cells; a blank cell means the column's default."""
    return {
        name: value.strip()
        for name, value in record.items()
        if name is not None and isinstance(value, str) and value.strip()
    }


class _Writer:
    def __init__(self, session: Session, config: KpiConfig, problems: list[str]) -> None:
        self.session, self.config, self.problems = session, config, problems
        self.case_ids: dict[str, int] = {}
        self.contact_ids: dict[str, int] = {}

    def write(self, batch: _Batch) -> ImportResult:
        for where, case_row in batch.cases:
            self._case(where, case_row)
        touched: set[int] = set()
        for where, contact_row_ in sorted(
            batch.contacts, key=lambda item: aware(item[1].started_at)
        ):
            case_id = self._contact(where, contact_row_)
            if case_id is not None:
                touched.add(case_id)
        refresh_cases(self.session, touched | set(self.case_ids.values()))
        for where, survey_row in batch.surveys:
            self._survey(where, survey_row)
        return ImportResult(len(batch.cases), len(batch.contacts), len(batch.surveys))

    def _case(self, where: str, row: CaseRow) -> None:
        if self._exists(ServiceCase, row.case_id) or row.case_id in self.case_ids:
            self.problems.append(f"{where}: case_id {row.case_id!r} is already imported")
            return
        if (
            row.crm_case_id
            and self.session.exec(
                select(ServiceCase.id).where(ServiceCase.crm_case_id == row.crm_case_id)
            ).first()
        ):
            self.problems.append(f"{where}: crm_case_id {row.crm_case_id!r} is already a case")
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

    def _contact(self, where: str, row: ContactRow) -> int | None:
        if self._exists(Contact, row.contact_id) or row.contact_id in self.contact_ids:
            self.problems.append(f"{where}: contact_id {row.contact_id!r} is already imported")
            return None
        case_id = self._case_id(row.case_id) if row.case_id else None
        if row.case_id and case_id is None:
            self.problems.append(
                f"{where}: case_id {row.case_id!r} is not in the cases file nor imported before"
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

    def _survey(self, where: str, row: SurveyRow) -> None:
        contact_id = self._contact_id(row.contact_id) if row.contact_id else None
        if row.contact_id and contact_id is None:
            self.problems.append(f"{where}: contact_id {row.contact_id!r} is not imported")
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
            self.problems.append(f"{where}: {_first_message(error)}")

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

    def _customer(self, row: _Who) -> int | None:
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
