"""Calls made straight in the database, ready for the CRM sync stage (no audio needed)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import Session, select

from agent.core.call_states import CallStatus
from agent.core.tables import ActionItem, Call, Customer, Summary, User


def seed_call(
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
    """A summarised call with ``items`` action items; returns its id."""
    customer = Customer(name=f"Customer {email or phone or contact_id}", email=email, phone=phone)
    session.add(customer)
    agent = None
    if agent_email:
        agent = session.exec(select(User).where(User.email == agent_email)).first()
        if agent is None:
            agent = User(name=agent_email.split("@")[0], email=agent_email)
            session.add(agent)
    session.flush()
    call = Call(
        status=status.value,
        original_filename="call.wav",
        audio_key=f"seed/{uuid.uuid4().hex}.wav",
        audio_sha256=uuid.uuid4().hex * 2,
        audio_bytes=1000,
        audio_format="wav",
        channel_map="agent,customer",
        language="en",
        duration_s=184.4,
        started_at=dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC),
        customer_id=customer.id,
        agent_id=agent.id if agent else None,
        crm_contact_id=contact_id,
        crm_case_id=case_ref,
    )
    session.add(call)
    session.flush()
    session.add(
        Summary(
            call_id=call.id,
            text="The customer's adapter was replaced.",
            key_points=["Adapter broken", "Replacement sent"],
            resolution=resolution,
            sentiment="positive",
            topics=["hardware"],
            engine="seed",
            model="seed",
            prompt_version="seed",
        )
    )
    for position in range(items):
        session.add(
            ActionItem(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"callsight:{call.id}:{position}").hex,
                call_id=call.id,
                position=position,
                description=f"Follow-up {position} for call {call.id[:6]}",
                owner="agent",
                due_date=dt.date(2026, 11, 20 + position % 5),
            )
        )
    session.commit()
    return call.id
