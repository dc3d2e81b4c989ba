"""The shape of one language's rule tables; the algorithms read only these, never a language."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from agent.core.domain import DealSignal, Resolution, Speaker

Phrase = tuple[str, ...]
"""A run of lowercase tokens, matched against the start of a token list."""


class Party(enum.Enum):
    """Who a commitment cue puts the work on, seen from the sentence's speaker."""

    SPEAKER = "speaker"
    LISTENER = "listener"


@dataclass(frozen=True)
class CommitmentCue:
    """A phrase that marks a commitment.

    The action's wording starts where the match ends, or is the match's ``action`` group when
    the pattern has one (for languages that put the commitment marker after the verb phrase).
    ``strict`` cues ("can you", "let me") also mark small talk, so they count only when the
    action's first verb is an errand or the clause names a due date.
    """

    pattern: re.Pattern[str]
    owner: Party = Party.SPEAKER
    strict: bool = False


@dataclass(frozen=True)
class ConversationCues:
    """What tells a sales conversation from a support one, and what a deal's fate sounds like.

    ``support`` and ``sales`` are counted per sentence (``problem_cues`` count for support too);
    ``objections``, ``deal_signals`` are read on the customer's side only; ``competitor``
    captures the name in its last named group, with its own case rules (names are capitalised).
    """

    sales: re.Pattern[str]
    support: re.Pattern[str]
    objections: re.Pattern[str]
    deal_signals: Mapping[DealSignal, re.Pattern[str]]
    competitor: re.Pattern[str]
    not_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IssueCues:
    """What marks a problem's cause and the action an agent took, and a customer turning to
    another problem; ``greeting_lead`` and ``lead_filler`` are cut from the start of a quoted
    sentence ("Hello Sam, my internet ..."; "But your router ...")."""

    cause: re.Pattern[str]
    action: re.Pattern[str]
    another: re.Pattern[str]
    greeting_lead: re.Pattern[str]
    lead_filler: re.Pattern[str]


@dataclass(frozen=True)
class Phrasing:
    """Output wording in the call's language; ``{}`` fields are filled by the summariser."""

    no_speech: str
    problem: str
    topics_only: str
    no_problem: str
    resolution_with_evidence: str
    resolution_plain: str
    no_actions: str
    one_action: str
    many_actions: str
    list_and: str
    resolution_labels: Mapping[Resolution, str]
    party_labels: Mapping[Speaker, str]
    deal_with_evidence: str
    deal_plain: str
    deal_labels: Mapping[DealSignal, str]
    cause: str
    action_taken: str
    another_problem: str
    list_separator: str = ", "
    sentence_separator: str = " "


@dataclass(frozen=True)
class LanguageRules:
    """Everything language-specific the built-in summariser needs, for one language.

    Patterns are matched against normalised sentence text (see ``text.normalise``), token tables
    against ``tokenise`` output. ``urgent`` marks action items as high priority, ``relaxed`` as
    low;
    ``min_word_length`` and ``content_token`` decide which tokens count as content words (for
    scripts without spaces, where a token may be a particle run); ``rewrite_action`` turns an
    action's wording into a to-do (a request's polite ending into an imperative);
    ``conditional_clause`` marks an action said on a condition inside its own clause ("we will
    reship it if it has not arrived"), which is no commitment yet. ``sentiment_phrases`` are
    multi-word feelings ("still not working", "can't wait") with their weight, added to the
    word lexicon's score. Add a language by building
    one of these and registering it in ``languages.DEFAULT_RULES``.
    """

    language: str
    model: str
    tokenise: Callable[[str], list[str]]
    resolve_due_date: Callable[[str, dt.date], dt.date | None]
    commitment_cues: tuple[CommitmentCue, ...]
    fillers: tuple[Phrase, ...]
    non_actions: tuple[Phrase, ...]
    errands: tuple[Phrase, ...]
    in_call: re.Pattern[str]
    hypothetical: re.Pattern[str]
    polite_conditions: re.Pattern[str]
    clause_breaks: re.Pattern[str]
    tag_question: re.Pattern[str]
    pronoun_swaps: Mapping[str, str]
    resolution_cues: Mapping[Resolution, tuple[re.Pattern[str], ...]]
    negators: frozenset[str]
    negator_suffixes: tuple[str, ...]
    hedges: frozenset[str]
    negation_window: int
    problem_cues: re.Pattern[str]
    greetings: re.Pattern[str]
    stopwords: frozenset[str]
    sentiment: Mapping[str, float]
    phrasing: Phrasing
    conversation: ConversationCues
    issue_cues: IssueCues
    urgent: re.Pattern[str] | None = None
    relaxed: re.Pattern[str] | None = None
    min_word_length: int = 3
    content_token: Callable[[str], bool] | None = None
    rewrite_action: Callable[[str], str] | None = None
    conditional_clause: re.Pattern[str] | None = None
    sentiment_phrases: tuple[tuple[re.Pattern[str], float], ...] = ()


def starts_with(tokens: list[str], phrases: tuple[Phrase, ...]) -> Phrase | None:
    """The first of ``phrases`` that ``tokens`` begins with, if any."""
    for phrase in phrases:
        if tuple(tokens[: len(phrase)]) == phrase:
            return phrase
    return None


def is_negated(rules: LanguageRules, tokens_before: list[str]) -> bool:
    """Whether a negator stands within the negation window before a cue."""
    window = tokens_before[-rules.negation_window :] if rules.negation_window else []
    return any(_negates(rules, token) for token in window)


def is_hedged(rules: LanguageRules, tokens_before: list[str]) -> bool:
    """Whether a hedge ("want", "hope", "if") stands within the negation window before a cue."""
    window = tokens_before[-rules.negation_window :] if rules.negation_window else []
    return any(token in rules.hedges for token in window)


def _negates(rules: LanguageRules, token: str) -> bool:
    return token in rules.negators or token.endswith(rules.negator_suffixes)


def compile_all(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Case-insensitive compiled forms of ``patterns``."""
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)
