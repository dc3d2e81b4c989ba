"""Calls and their rows made straight in the database, for tests that need no audio.

``make_call`` is the one way tests seed a call; the keyword arguments add what a test needs
(a customer, an agent, a transcript, a summary, action items) and default to a bare call.
``make_call_ready_for_crm`` is the summarised call the CRM sync stage expects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, func, select

from agent.core.call_states import CallStatus
from agent.core.tables import ActionItem, Call, Customer, Summary, TranscriptSegment, User

STARTED_AT = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Said:
    """One transcript segment: who spoke, what, and when (seconds from the start)."""

    speaker: str
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SeedSummary:
    """The fields of a summary row that tests choose; the engine is always ``seed``."""

    text: str = "The customer's adapter was replaced."
    key_points: tuple[str, ...] = ("Adapter broken", "Replacement sent")
    resolution: str = "resolved"
    sentiment: str = "positive"
    topics: tuple[str, ...] = ("hardware",)
    details: dict[str, Any] = field(default_factory=dict)


def said_in_turn(
    lines: Sequence[tuple[str, str]], every_s: float = 5.0, length_s: float = 4.0
) -> list[Said]:
    """``(speaker, text)`` lines said one after another, one every ``every_s`` seconds."""
    return [
        Said(speaker, text, every_s * position, every_s * position + length_s)
        for position, (speaker, text) in enumerate(lines)
    ]


def make_customer(
    session: Session, *, name: str = "Acme", email: str | None = None, phone: str | None = None
) -> Customer:
    """The customer with this name, made (and flushed, so it has an id) if there is none yet."""
    customer = session.exec(select(Customer).where(Customer.name == name)).first()
    if customer is None:
        customer = Customer(name=name, email=email, phone=phone)
        session.add(customer)
        session.flush()
    return customer


def make_agent(
    session: Session, *, name: str = "Sam", email: str | None = None, team: str | None = None
) -> User:
    """The agent with this email (or, without one, this name), made if there is none yet."""
    match = User.email == email if email else User.name == name
    agent = session.exec(select(User).where(match)).first()
    if agent is None:
        agent = User(name=name, email=email, team=team)
        session.add(agent)
        session.flush()
    return agent


def make_call(
    session: Session,
    *,
    status: CallStatus = CallStatus.SYNCING,
    language: str = "en",
    started_at: dt.datetime = STARTED_AT,
    duration_s: float | None = None,
    customer: Customer | None = None,
    agent: User | None = None,
    crm_contact_id: str | None = None,
    crm_case_id: str | None = None,
    transcript: Sequence[Said] = (),
    summary: SeedSummary | None = None,
    action_items: int = 0,
) -> Call:
    """A call in ``status`` with the rows asked for, flushed but not committed."""
    call = Call(
        status=status,
        original_filename="call.wav",
        audio_key=f"seed/{uuid.uuid4().hex}.wav",
        audio_sha256=uuid.uuid4().hex * 2,
        audio_bytes=1000,
        audio_format="wav",
        channel_map="agent,customer",
        language=language,
        duration_s=duration_s,
        started_at=started_at,
        customer_id=customer.id if customer else None,
        agent_id=agent.id if agent else None,
        crm_contact_id=crm_contact_id,
        crm_case_id=crm_case_id,
    )
    session.add(call)
    session.flush()
    session.add_all(_segments(call, transcript))
    if summary is not None:
        session.add(_summary(call, summary))
    session.add_all(_action_items(call, action_items))
    session.flush()
    return call


def make_call_ready_for_crm(
    session: Session,
    *,
    email: str | None = None,
    phone: str | None = None,
    contact_id: str | None = None,
    case_ref: str | None = None,
    agent_email: str | None = None,
    items: int = 3,
    resolution: str = "resolved",
    status: CallStatus = CallStatus.SYNCING,
) -> str:
    """A summarised call with ``items`` action items, committed; returns its id."""
    customer = make_customer(
        session, name=f"Customer {email or phone or contact_id}", email=email, phone=phone
    )
    agent = None
    if agent_email:
        agent = make_agent(session, name=agent_email.split("@")[0], email=agent_email)
    call = make_call(
        session,
        status=status,
        duration_s=184.4,
        customer=customer,
        agent=agent,
        crm_contact_id=contact_id,
        crm_case_id=case_ref,
        summary=SeedSummary(resolution=resolution),
        action_items=items,
    )
    session.commit()
    return call.id


def _segments(call: Call, transcript: Sequence[Said]) -> list[TranscriptSegment]:
    return [
        TranscriptSegment(
            call_id=call.id, position=position, start_s=said.start_s, end_s=said.end_s,
            speaker=said.speaker, text=said.text,
        )
        for position, said in enumerate(transcript)
    ]  # fmt: skip


def _summary(call: Call, seed: SeedSummary) -> Summary:
    return Summary(
        call_id=call.id,
        text=seed.text,
        key_points=list(seed.key_points),
        resolution=seed.resolution,
        sentiment=seed.sentiment,
        topics=list(seed.topics),
        details=dict(seed.details),
        engine="seed",
        model="seed",
        prompt_version="seed",
    )


def _action_items(call: Call, count: int) -> list[ActionItem]:
    # Ids as the summary stage makes them, so the CRM's external ids look like real ones.
    return [
        ActionItem(
            id=uuid.uuid5(uuid.NAMESPACE_URL, f"callsight:{call.id}:{position}").hex,
            call_id=call.id,
            position=position,
            description=f"Follow-up {position} for call {call.id[:6]}",
            owner="agent",
            due_date=dt.date(2026, 11, 20 + position % 5),
        )
        for position in range(count)
    ]


def count_rows(session: Session, model: type, **where: Any) -> int:
    """Rows of ``model`` whose columns equal the values given."""
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return int(session.exec(query).one())
