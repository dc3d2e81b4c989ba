"""Survey responses: CSAT (1-5), NPS (0-10) and CES (1-7), tied to a contact when known."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session, select

from agent.core.domain import MAX_DB_INT
from agent.core.errors import NotFound
from agent.core.moments import EventTime
from agent.core.tables import Customer
from agent.kpis.periods import KpiConfig, aware, local_day_and_month, to_epoch
from agent.kpis.tables import Contact, Survey


class SurveyIn(BaseModel):
    """One response. Name the call or the contact it is about, or at least the customer."""

    call_id: str | None = Field(None, max_length=32)
    contact_id: int | None = Field(None, ge=1, le=MAX_DB_INT)
    customer_id: int | None = Field(None, ge=1, le=MAX_DB_INT)
    responded_at: EventTime | None = Field(None, description="When answered; default now.")
    csat: int | None = Field(None, ge=1, le=5, description="1 (very unsatisfied) to 5.")
    nps: int | None = Field(None, ge=0, le=10, description="Likelihood to recommend, 0 to 10.")
    ces: int | None = Field(None, ge=1, le=7, description="Customer effort, 1 (low) to 7.")
    external_id: str | None = Field(None, max_length=100, description="Your id; repeats are 409.")

    @model_validator(mode="after")
    def _has_a_score_and_a_subject(self) -> SurveyIn:
        if self.csat is None and self.nps is None and self.ces is None:
            raise ValueError("give at least one of csat (1-5), nps (0-10) or ces (1-7)")
        if self.call_id is None and self.contact_id is None and self.customer_id is None:
            raise ValueError("say who answered: call_id, contact_id or customer_id")
        return self


class SurveyRejected(NotFound):
    """The response names something that does not exist."""


class SurveyRepeated(SurveyRejected):
    """The response's external id is already stored."""

    status_code = 409


def add_survey(session: Session, data: SurveyIn, config: KpiConfig) -> Survey:
    """Store a response, inheriting customer, agent, team and case from its contact."""
    contact = _contact(session, data)
    customer_id = data.customer_id if data.customer_id is not None else None
    if contact is not None:
        if customer_id is not None and contact.customer_id not in (None, customer_id):
            raise SurveyRejected(
                f"contact {contact.id} belongs to customer {contact.customer_id}, not {customer_id}"
            )
        customer_id = contact.customer_id
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise SurveyRejected(f"no customer {customer_id}")
    _refuse_repeat(session, data.external_id)
    responded = to_epoch(aware(data.responded_at or dt.datetime.now(dt.UTC)))
    day, month = local_day_and_month(responded, config.zone)
    survey = Survey(
        external_id=data.external_id,
        customer_id=customer_id,
        contact_id=contact.id if contact else None,
        case_id=contact.case_id if contact else None,
        agent_id=contact.agent_id if contact else None,
        team=contact.team if contact else None,
        category=contact.category if contact else None,
        responded_ts=responded,
        local_day=day,
        local_month=month,
        csat=data.csat,
        nps=data.nps,
        ces=data.ces,
    )
    session.add(survey)
    session.flush()
    return survey


def _contact(session: Session, data: SurveyIn) -> Contact | None:
    if data.contact_id is not None:
        contact = session.get(Contact, data.contact_id)
        if contact is None:
            raise SurveyRejected(f"no contact {data.contact_id}")
        return contact
    if data.call_id is not None:
        found = session.exec(select(Contact).where(Contact.call_id == data.call_id)).first()
        if found is None:
            raise SurveyRejected(
                f"call {data.call_id!r} is not a contact yet: it becomes one once its summary "
                "is approved (or at once with CRM_SYNC_MODE=auto); send customer_id instead"
            )
        return found
    return None


def _refuse_repeat(session: Session, external_id: str | None) -> None:
    if external_id is None:
        return
    if session.exec(select(Survey.id).where(Survey.external_id == external_id)).first():
        raise SurveyRepeated(f"a survey with external_id {external_id!r} is already stored")
