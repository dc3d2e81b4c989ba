"""Which channel is the agent, decided from what each side says when no map was given."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.core.domain import ChannelMap, Speaker, Utterance

# Phrases an agent says and a caller rarely does; the opening of a call weighs more.
AGENT_CUES = (
    "thank you for calling",
    "thanks for calling",
    "how can i help",
    "how may i help",
    "how can i assist",
    "what can i do for you",
    "you're through to",
    "you are through to",
    "anything else i can help",
    "is there anything else",
    "welcome to",
)
OPENING_S = 60.0


@dataclass(frozen=True)
class RoleInference:
    """The map the cues point to (None when they do not), and what was heard."""

    channel_map: ChannelMap | None
    evidence: list[str]


CHANNEL_SIDES = ("left channel", "right channel")
VOICE_SIDES = ("first voice", "second voice")


def infer_roles(
    utterances: Sequence[Utterance],
    company_name: str | None,
    sides: tuple[str, str] = CHANNEL_SIDES,
) -> RoleInference:
    """Score each channel (or voice) by the agent phrases it says; the higher one is the agent."""
    cues = _cues(company_name)
    scores = [0.0, 0.0]
    evidence: list[str] = []
    for utterance in utterances:
        if utterance.channel not in (0, 1):
            continue
        text = _normal(utterance.text)
        for cue in cues:
            if cue in text:
                scores[utterance.channel] += 2.0 if utterance.start < OPENING_S else 1.0
                side = sides[utterance.channel]
                evidence.append(f'{side} at {utterance.start:.0f} s: "{cue}"')
    if scores[0] == scores[1]:
        return RoleInference(None, [])
    agent_left = scores[0] > scores[1]
    chosen = ChannelMap() if agent_left else ChannelMap(Speaker.CUSTOMER, Speaker.AGENT)
    agent_side = sides[0] if agent_left else sides[1]
    return RoleInference(chosen, [e for e in evidence if e.startswith(agent_side)][:5])


def relabel(utterances: Sequence[Utterance], channel_map: ChannelMap) -> list[Utterance]:
    """The same utterances with speakers given by ``channel_map`` wherever the channel is known."""
    return [
        dataclasses.replace(u, speaker=channel_map.speaker(u.channel))
        if u.channel is not None
        else u
        for u in utterances
    ]


def _cues(company_name: str | None) -> tuple[str, ...]:
    company = _normal(company_name or "")
    return (*AGENT_CUES, company) if company else AGENT_CUES


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())
