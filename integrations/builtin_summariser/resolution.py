"""How the call ended: resolved, escalated, needing follow-up, or unresolved."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from agent.core.domain import Resolution
from integrations.builtin_summariser.rules import LanguageRules, is_hedged, is_negated
from integrations.builtin_summariser.text import Sentence

# Escalations and follow-ups describe what happens after the call, so they outweigh an equally
# late "that's fixed"; ties go to the earlier entry of _PRECEDENCE.
_WEIGHTS = {
    Resolution.ESCALATED: 1.25,
    Resolution.FOLLOW_UP: 1.1,
    Resolution.RESOLVED: 1.0,
    Resolution.UNRESOLVED: 1.0,
}
_PRECEDENCE = (
    Resolution.ESCALATED,
    Resolution.FOLLOW_UP,
    Resolution.RESOLVED,
    Resolution.UNRESOLVED,
)
_CLAUSE_EDGE = re.compile(r".*[,;:.!?\u3001\u3002]")


@dataclass(frozen=True)
class ResolutionFinding:
    """The resolution, with the sentence and cue phrase that decided it (None when no cue did)."""

    resolution: Resolution
    sentence: Sentence | None = None
    cue: str | None = None

    @property
    def evidence(self) -> str | None:
        """The deciding sentence's text."""
        return None if self.sentence is None else self.sentence.text


@dataclass(frozen=True)
class _Signal:
    score: float
    resolution: Resolution
    sentence: Sentence
    cue: str


def classify_resolution(sentences: Sequence[Sentence], rules: LanguageRules) -> ResolutionFinding:
    """The best-supported resolution; cues weigh more the later in the call they are said.

    Questions are not evidence. A negated "resolved" cue ("not fixed") counts as unresolved; a
    negated escalation or follow-up, or any hedged cue ("I want this resolved"), counts as nothing.
    """
    best: dict[Resolution, _Signal] = {}
    for signal in _signals(sentences, rules):
        if signal.resolution not in best or signal.score > best[signal.resolution].score:
            best[signal.resolution] = signal
    if not best:
        return ResolutionFinding(Resolution.UNRESOLVED)
    winner = min(best.values(), key=lambda s: (-s.score, _PRECEDENCE.index(s.resolution)))
    return ResolutionFinding(winner.resolution, winner.sentence, winner.cue)


def _signals(sentences: Sequence[Sentence], rules: LanguageRules) -> Iterator[_Signal]:
    for position, sentence in enumerate(sentences):
        if sentence.text.endswith("?"):
            continue
        recency = (position + 1) / len(sentences)
        for resolution, cue in _cues(sentence.text, rules):
            yield _Signal(recency * _WEIGHTS[resolution], resolution, sentence, cue)


def _cues(text: str, rules: LanguageRules) -> Iterator[tuple[Resolution, str]]:
    matches = sorted(
        (
            (match, resolution)
            for resolution, patterns in rules.resolution_cues.items()
            for pattern in patterns
            for match in pattern.finditer(text)
        ),
        key=lambda found: found[0].start(),
    )
    for match, resolution in matches:
        judged = _judge(resolution, text[: match.start()], rules)
        if judged is not None:
            yield judged, match[0]


def _judge(resolution: Resolution, before: str, rules: LanguageRules) -> Resolution | None:
    if resolution is Resolution.UNRESOLVED:
        return resolution
    # Only the cue's own clause can negate it: "No, that fixed it" is a resolution.
    tokens = rules.tokenise(_CLAUSE_EDGE.sub("", before, count=1))
    if is_hedged(rules, tokens):
        return None
    if is_negated(rules, tokens):
        return Resolution.UNRESOLVED if resolution is Resolution.RESOLVED else None
    return resolution
