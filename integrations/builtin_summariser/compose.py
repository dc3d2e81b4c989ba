"""The short prose summary: each problem with its cause and fix, the outcome, and how much was
agreed; no greetings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from integrations.builtin_summariser.actions import swap_pronouns
from integrations.builtin_summariser.conversation import DealReading
from integrations.builtin_summariser.issues import Issue
from integrations.builtin_summariser.resolution import ResolutionFinding
from integrations.builtin_summariser.rules import LanguageRules, Phrasing
from integrations.builtin_summariser.text import (
    Sentence,
    strip_end_punctuation,
    truncate,
)

MAX_PROBLEM_CHARS = 200
MAX_QUOTE_CHARS = 120


def compose_text(
    opening: str, outcome: Sequence[str], action_count: int, phrasing: Phrasing
) -> str:
    """The opening (the problem or the topics), the outcome's sentences, the action count."""
    parts = [opening, *outcome, _actions_part(action_count, phrasing)]
    return phrasing.sentence_separator.join(parts)


def without_greeting(text: str, rules: LanguageRules) -> str:
    """``text`` without a greeting run into it ("Hello Sam, my internet ...")."""
    return rules.issue_cues.greeting_lead.sub("", text, count=1) or text


def issue_details(issue: Issue, rules: LanguageRules) -> list[str]:
    """The issue's cause and the action taken, told from outside the call."""
    phrasing = rules.phrasing
    parts = []
    cues = rules.issue_cues
    if issue.cause is not None:
        parts.append(phrasing.cause.format(text=_reported(issue.cause, cues.cause, rules)))
    if issue.action is not None:
        parts.append(phrasing.action_taken.format(text=_reported(issue.action, cues.action, rules)))
    return parts


def later_issue(issue: Issue, rules: LanguageRules) -> list[str]:
    """Another problem the customer raised, with its details."""
    problem = _clause(without_greeting(issue.problem.text, rules))
    return [rules.phrasing.another_problem.format(text=problem), *issue_details(issue, rules)]


def _reported(sentence: Sentence, cue: re.Pattern[str], rules: LanguageRules) -> str:
    # Only the clause that holds the cue: "the line looks clean, but your router is old".
    clauses = rules.clause_breaks.split(without_greeting(sentence.text, rules))
    text = next((c for c in clauses if c and cue.search(c)), sentence.text)
    text = rules.issue_cues.lead_filler.sub("", text.strip(" ,"), count=1)
    return _clause(swap_pronouns(text, sentence.speaker, rules))


def _clause(text: str) -> str:
    return _lower_first(truncate(strip_end_punctuation(text), MAX_PROBLEM_CHARS))


def opening(problem: str | None, topics: Sequence[str], phrasing: Phrasing) -> str:
    """The summary's first sentence: the customer's problem, else the topics."""
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
