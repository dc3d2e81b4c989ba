"""The issues a support call is about: each problem the customer raised, with its cause and what
the agent did about it, when the call says so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.core.domain import Resolution, Speaker
from integrations.builtin_summariser.rules import LanguageRules
from integrations.builtin_summariser.text import Sentence, customer_side

MAX_ISSUES = 3


@dataclass(frozen=True)
class Issue:
    """One problem, with the agent's sentences that give its cause and the action taken."""

    problem: Sentence
    cause: Sentence | None = None
    action: Sentence | None = None

    def as_json(self) -> dict[str, str | None]:
        """The issue's sentences, for the summary's details."""
        parts = {"problem": self.problem, "cause": self.cause, "action": self.action}
        return {name: None if part is None else part.text for name, part in parts.items()}


def find_issues(sentences: Sequence[Sentence], rules: LanguageRules) -> list[Issue]:
    """The call's issues in order; the first is the customer's first problem statement.

    A later problem statement opens another issue only once the current one was settled (a
    "resolved" cue) or the customer says it is something else ("one more thing"); otherwise it
    describes the same problem further ("my laptop drops as well").
    """
    starts = _issue_starts(sentences, rules)
    issues: list[Issue] = []
    for number, start in enumerate(starts[:MAX_ISSUES]):
        end = starts[number + 1] if number + 1 < len(starts) else len(sentences)
        issues.append(_issue(sentences[start:end], rules))
    return issues


def _issue_starts(sentences: Sequence[Sentence], rules: LanguageRules) -> list[int]:
    problems = {s.index for s in customer_side(sentences) if rules.problem_cues.search(s.text)}
    starts: list[int] = []
    boundary = True
    for position, sentence in enumerate(sentences):
        if _settles(sentence, rules) or _turns_to_another(sentence, rules):
            boundary = True
        if sentence.index in problems and boundary:
            starts.append(position)
            boundary = False
    return starts


def _settles(sentence: Sentence, rules: LanguageRules) -> bool:
    patterns = rules.resolution_cues.get(Resolution.RESOLVED, ())
    return not sentence.text.endswith("?") and any(p.search(sentence.text) for p in patterns)


def _turns_to_another(sentence: Sentence, rules: LanguageRules) -> bool:
    marker = rules.issue_cues.another
    return sentence.speaker is not Speaker.AGENT and bool(marker.search(sentence.text))


def _issue(span: Sequence[Sentence], rules: LanguageRules) -> Issue:
    agent = [s for s in span[1:] if s.speaker is Speaker.AGENT and not s.text.endswith("?")]
    cause = next((s for s in agent if rules.issue_cues.cause.search(s.text)), None)
    action = next((s for s in agent if rules.issue_cues.action.search(s.text)), None)
    return Issue(span[0], cause, action)
