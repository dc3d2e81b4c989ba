"""Action item owners by name: the call's agent and customer, as the upload or CRM named them,
with the role ("agent", "customer") kept beside the name."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from agent.core.domain import Speaker
from agent.core.tables import Call, Customer, User

PARTIES = (Speaker.AGENT.value, Speaker.CUSTOMER.value)


def party_names(session: Session, call: Call) -> dict[str, str]:
    """The names the call's agent and customer are known by, where known."""
    agent = session.get(User, call.agent_id) if call.agent_id else None
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    found = {Speaker.AGENT.value: agent, Speaker.CUSTOMER.value: customer}
    return {role: person.name for role, person in found.items() if person and person.name}


def named_owner(owner: str, names: Mapping[str, str]) -> tuple[str, str | None]:
    """``("Sam Lee", "agent")`` for the owner "agent"; a name the summariser gave keeps its role
    when it is the agent's or the customer's, else has none (a third person)."""
    if owner in PARTIES:
        return names.get(owner, owner), owner
    same = (role for role, name in names.items() if name.casefold() == owner.casefold())
    return owner, next(same, None)
