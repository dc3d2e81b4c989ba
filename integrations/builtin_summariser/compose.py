"""The short prose summary: the customer's problem, the outcome, and how much was agreed."""

from __future__ import annotations

from collections.abc import Sequence

from integrations.builtin_summariser.conversation import DealReading
from integrations.builtin_summariser.resolution import ResolutionFinding
from integrations.builtin_summariser.rules import LanguageRules, Phrasing
from integrations.builtin_summariser.text import (
    Sentence,
    customer_side,
    strip_end_punctuation,
    truncate,
)

MAX_PROBLEM_CHARS = 200
MAX_QUOTE_CHARS = 120


def problem_statement(sentences: Sequence[Sentence], rules: LanguageRules) -> Sentence | None:
    """The customer's first sentence that names a problem, if any."""
    for sentence in customer_side(sentences):
        if rules.problem_cues.search(sentence.text):
            return sentence
    return None


def compose_text(
    problem: str | None,
    topics: Sequence[str],
    outcome: str | None,
    action_count: int,
    phrasing: Phrasing,
) -> str:
    """Two or three sentences: the problem (or the topics), the outcome, the action count."""
    parts = [
        _problem_part(problem, topics, phrasing),
        *([outcome] if outcome else []),
        _actions_part(action_count, phrasing),
    ]
    return phrasing.sentence_separator.join(parts)


def _problem_part(problem: str | None, topics: Sequence[str], phrasing: Phrasing) -> str:
    if problem:
        clause = truncate(strip_end_punctuation(problem), MAX_PROBLEM_CHARS)
        return phrasing.problem.format(problem=_lower_first(clause))
    if topics:
        return phrasing.topics_only.format(topics=_join(topics, phrasing))
    return phrasing.no_problem


def _lower_first(text: str) -> str:
    # After a colon "My internet" reads on as "my internet"; "I", "I'm" and "TV" must stay.
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _join(words: Sequence[str], phrasing: Phrasing) -> str:
    if len(words) < 2 or not phrasing.list_and:
        return phrasing.list_separator.join(words)
    return f"{phrasing.list_separator.join(words[:-1])} {phrasing.list_and} {words[-1]}"


def resolution_part(finding: ResolutionFinding, phrasing: Phrasing) -> str:
    """A support call's outcome: the resolution, with the words that decided it."""
    label = phrasing.resolution_labels[finding.resolution]
    if finding.evidence is None:
        return phrasing.resolution_plain.format(label=label)
    evidence = truncate(strip_end_punctuation(finding.evidence), MAX_QUOTE_CHARS)
    return phrasing.resolution_with_evidence.format(label=label, evidence=evidence)


def deal_part(reading: DealReading, phrasing: Phrasing) -> str:
    """A sales call's outcome: the deal signal, with the customer's words that decided it."""
    label = phrasing.deal_labels[reading.signal]
    if reading.evidence is None:
        return phrasing.deal_plain.format(label=label)
    evidence = truncate(strip_end_punctuation(reading.evidence.text), MAX_QUOTE_CHARS)
    return phrasing.deal_with_evidence.format(label=label, evidence=evidence)


def _actions_part(count: int, phrasing: Phrasing) -> str:
    if count == 0:
        return phrasing.no_actions
    if count == 1:
        return phrasing.one_action
    return phrasing.many_actions.format(count=count)
