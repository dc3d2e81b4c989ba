"""Action items: commitments and requests found by cue phrases, worded as short imperatives."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from agent.core.domain import ActionItemDraft, Priority, Speaker
from integrations.builtin_summariser.rules import CommitmentCue, LanguageRules, Party, starts_with
from integrations.builtin_summariser.text import (
    Sentence,
    capitalise,
    strip_end_punctuation,
    truncate,
)

MAX_ACTION_ITEMS = 20
MAX_DESCRIPTION_CHARS = 200
LOW_PRIORITY_AFTER = dt.timedelta(days=30)
_WORD_EDGES = '.,;:!?"()[]{}\u2026'
_RUN = re.compile(r"\S+")


@dataclass(frozen=True)
class _Hit:
    cue: CommitmentCue
    start: int
    end: int
    action: tuple[int, int] | None


@dataclass(frozen=True)
class _Clause:
    sentence: Sentence
    cue: CommitmentCue
    prefix: str
    text: str
    only_cue: bool


def extract_action_items(
    sentences: Sequence[Sentence], call_date: dt.date, rules: LanguageRules
) -> list[ActionItemDraft]:
    """Action items in call order, near-duplicates merged, at most ``MAX_ACTION_ITEMS``."""
    items: list[ActionItemDraft] = []
    for sentence in sentences:
        for clause in _clauses(sentence, rules):
            item = _item(clause, call_date, rules)
            if item is not None:
                items = _merged(items, item, rules)
            if len(items) >= MAX_ACTION_ITEMS:
                return items
    return items


def other_party(speaker: Speaker) -> Speaker:
    """The agent for the customer and the other way round; unknown stays unknown."""
    swapped = {Speaker.AGENT: Speaker.CUSTOMER, Speaker.CUSTOMER: Speaker.AGENT}
    return swapped.get(speaker, Speaker.UNKNOWN)


def _clauses(sentence: Sentence, rules: LanguageRules) -> Iterator[_Clause]:
    hits = _hits(sentence.text, rules)
    for position, hit in enumerate(hits):
        end = hits[position + 1].start if position + 1 < len(hits) else len(sentence.text)
        start, stop = hit.action or (hit.end, end)
        text = _cut_clause(sentence.text[start:stop], rules)
        yield _Clause(sentence, hit.cue, sentence.text[: hit.start], text, len(hits) == 1)


def _hits(text: str, rules: LanguageRules) -> list[_Hit]:
    found = [
        _Hit(cue, match.start(), match.end(), _action_span(match))
        for cue in rules.commitment_cues
        for match in cue.pattern.finditer(text)
    ]
    found.sort(key=lambda hit: (hit.start, -hit.end))
    kept: list[_Hit] = []
    for hit in found:
        if not kept or (hit.start >= kept[-1].end and hit.start != kept[-1].start):
            kept.append(hit)
    return kept


def _action_span(match: re.Match[str]) -> tuple[int, int] | None:
    return match.span("action") if "action" in match.re.groupindex else None


def _cut_clause(text: str, rules: LanguageRules) -> str:
    text = rules.tag_question.sub("", text.strip())
    cut = rules.clause_breaks.search(text)
    return (text[: cut.start()] if cut else text).strip()


def _item(clause: _Clause, call_date: dt.date, rules: LanguageRules) -> ActionItemDraft | None:
    spans = _words(clause.text)
    spans = spans[_filler_length([plain for _, plain in spans], rules) :]
    words = [plain for _, plain in spans]
    due = _due_date(clause, call_date, rules)
    if not spans or not _actionable(clause, words, due, rules):
        return None
    description = _describe(clause.text[spans[0][0] :], clause.sentence.speaker, rules)
    return ActionItemDraft(
        description, _owner(clause).value, due, _priority(clause, due, call_date, rules)
    )


def _priority(
    clause: _Clause, due: dt.date | None, call_date: dt.date, rules: LanguageRules
) -> Priority:
    # A due date says when, not how urgent ("today", "tonight" are routine): only urgency cues
    # make an item high; a relaxed cue or a date months away make it low.
    text = clause.sentence.text
    if rules.urgent is not None and rules.urgent.search(text):
        return Priority.HIGH
    distant = due is not None and due > call_date + LOW_PRIORITY_AFTER
    if distant or (rules.relaxed is not None and rules.relaxed.search(text)):
        return Priority.LOW
    return Priority.NORMAL


def _words(text: str) -> list[tuple[int, str]]:
    found = ((match.start(), match[0].strip(_WORD_EDGES).lower()) for match in _RUN.finditer(text))
    return [(start, plain) for start, plain in found if plain]


def _filler_length(words: list[str], rules: LanguageRules) -> int:
    length = 0
    filler = starts_with(words, rules.fillers)
    while filler:
        length += len(filler)
        filler = starts_with(words[length:], rules.fillers)
    return length


def _due_date(clause: _Clause, call_date: dt.date, rules: LanguageRules) -> dt.date | None:
    due = rules.resolve_due_date(clause.text, call_date)
    if due is None and clause.only_cue:
        due = rules.resolve_due_date(clause.sentence.text, call_date)
    return due


def _actionable(
    clause: _Clause, words: list[str], due: dt.date | None, rules: LanguageRules
) -> bool:
    if len(rules.tokenise(" ".join(words))) < 2 or starts_with(words, rules.non_actions):
        return False
    if clause.cue.owner is Party.SPEAKER and clause.text.endswith("?"):
        return False
    if rules.in_call.search(clause.text) or _hypothetical(clause.prefix, rules):
        return False
    if clause.cue.owner is Party.SPEAKER and _conditional(clause.text, rules):
        return False
    return not clause.cue.strict or due is not None or bool(starts_with(words, rules.errands))


def _hypothetical(prefix: str, rules: LanguageRules) -> bool:
    return bool(rules.hypothetical.search(rules.polite_conditions.sub(" ", prefix)))


def _conditional(text: str, rules: LanguageRules) -> bool:
    pattern = rules.conditional_clause
    return pattern is not None and bool(pattern.search(rules.polite_conditions.sub(" ", text)))


def _describe(text: str, speaker: Speaker, rules: LanguageRules) -> str:
    text = swap_pronouns(text, speaker, rules)
    if rules.rewrite_action is not None:
        text = rules.rewrite_action(text)
    return truncate(capitalise(strip_end_punctuation(text)), MAX_DESCRIPTION_CHARS)


def swap_pronouns(text: str, speaker: Speaker, rules: LanguageRules) -> str:
    """``text`` as a third party tells it: "I" becomes the speaker's role, "you" the other's."""
    labels = rules.phrasing.party_labels
    listener = other_party(speaker)
    if speaker not in labels or listener not in labels or not rules.pronoun_swaps:
        return text
    names = {"speaker": labels[speaker], "listener": labels[listener]}
    swaps = {key: template.format(**names) for key, template in rules.pronoun_swaps.items()}
    alternatives = "|".join(re.escape(key) for key in sorted(swaps, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])", re.IGNORECASE)
    return pattern.sub(lambda match: swaps[match[0].lower()], text)


def _owner(clause: _Clause) -> Speaker:
    speaker = clause.sentence.speaker
    return speaker if clause.cue.owner is Party.SPEAKER else other_party(speaker)


def _merged(
    items: list[ActionItemDraft], new: ActionItemDraft, rules: LanguageRules
) -> list[ActionItemDraft]:
    for position, kept in enumerate(items):
        if kept.owner == new.owner and _same_task(kept.description, new.description, rules):
            if kept.due_date is None and new.due_date is not None:
                items[position] = dataclasses.replace(kept, due_date=new.due_date)
            return items
    return [*items, new]


def _same_task(first: str, second: str, rules: LanguageRules) -> bool:
    a, b = _content(first, rules), _content(second, rules)
    if not a or not b:
        return a == b
    shared = len(a & b)
    return shared / min(len(a), len(b)) >= 0.75 and shared / len(a | b) >= 0.5


def _content(text: str, rules: LanguageRules) -> set[str]:
    keep = rules.content_token or (lambda _token: True)
    return {token for token in rules.tokenise(text) if token not in rules.stopwords and keep(token)}
