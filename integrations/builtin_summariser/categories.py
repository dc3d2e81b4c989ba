"""A support call's issue category, from the operator's taxonomy: the category whose example
phrases the call says most, the customer's problem statements counting double."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from agent.core.domain import IssueCategory, IssueTaxonomy
from integrations.builtin_summariser.text import Sentence

_PROBLEM_WEIGHT = 2.0
# Below this many weighted mentions the confidence is scaled down: one word is thin evidence.
_CONFIDENT_MENTIONS = 3.0


@dataclass(frozen=True)
class CategoryReading:
    name: str
    confidence: float


def classify_issue(
    sentences: Sequence[Sentence],
    taxonomy: IssueTaxonomy,
    language: str,
    problems: Collection[int] = (),
) -> CategoryReading:
    """The best-supported category; confidence is its share of all mentions, scaled down when
    there are few. No mention at all gives the taxonomy's fallback with confidence 0."""
    scores = {
        category.name: _score(sentences, _pattern(category, language), problems)
        for category in taxonomy.categories
    }
    total = sum(scores.values())
    if total == 0:
        return CategoryReading(taxonomy.fallback, 0.0)
    best = max(scores, key=lambda name: scores[name])  # ties go to the earlier category
    share = scores[best] / total
    return CategoryReading(best, round(share * min(1.0, scores[best] / _CONFIDENT_MENTIONS), 2))


def _score(
    sentences: Sequence[Sentence], pattern: re.Pattern[str], problems: Collection[int]
) -> float:
    return sum(
        len(pattern.findall(sentence.text.lower()))
        * (_PROBLEM_WEIGHT if sentence.index in problems else 1.0)
        for sentence in sentences
    )


def _pattern(category: IssueCategory, language: str) -> re.Pattern[str]:
    return _compiled(category.examples_in(language))


@functools.lru_cache(maxsize=256)
def _compiled(phrases: tuple[str, ...]) -> re.Pattern[str]:
    longest_first = sorted(phrases, key=len, reverse=True)
    return re.compile("|".join(_phrase(phrase.lower()) for phrase in longest_first))


def _phrase(phrase: str) -> str:
    # Latin phrases match at a word start, so "charge" finds "charged"; CJK ones anywhere.
    escaped = re.escape(phrase)
    return rf"(?<![a-z0-9]){escaped}" if phrase[:1].isascii() else escaped
