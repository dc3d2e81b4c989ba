"""Whom an action item can be given to on the call page: the call's agent and customer by name
(their role kept beside the name), then the other people the service knows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from agent.calls.speaker_view import SpeakerView
from agent.core.tables import Call, User
from agent.processing.owners import PARTIES, named_owner, party_names

LABELLED = re.compile(rf"(?P<name>.*\S)\s*\((?P<role>{'|'.join(PARTIES)})\)")


@dataclass(frozen=True)
class OwnerChoice:
    name: str
    role: str | None = None  # agent or customer; None for anyone else

    @property
    def label(self) -> str:
        """What the owner field shows and sends back: ``Sam Lee (agent)``."""
        return f"{self.name} ({self.role})" if self.role else self.name


def owner_choices(
    session: Session, call: Call, speakers: Sequence[SpeakerView]
) -> list[OwnerChoice]:
    """The agent and the customer (by their records, else the names a lead gave the speakers),
    then the known users, each name once."""
    names = party_names(session, call)
    for speaker in speakers:
        if speaker.name and speaker.role in PARTIES:
            names.setdefault(speaker.role, speaker.name)
    parties = [OwnerChoice(name, role) for role, name in names.items()]
    taken = {choice.name.casefold() for choice in parties}
    users = session.exec(select(User.name).order_by(col(User.name)))
    others = [OwnerChoice(name) for name in dict.fromkeys(users) if name.casefold() not in taken]
    return parties + others


def chosen_owner(text: str, choices: Sequence[OwnerChoice]) -> tuple[str, str | None]:
    """The owner's name and role from what the field sent: a label such as "Sam Lee (agent)"
    (a choice, or an item's owner as shown), a party's name or the words "agent"/"customer"
    keep the role; anything else is a name without one."""
    typed = text.strip()
    labelled = LABELLED.fullmatch(typed)
    if labelled:
        return labelled["name"], labelled["role"]
    return named_owner(typed, {c.role: c.name for c in choices if c.role})
