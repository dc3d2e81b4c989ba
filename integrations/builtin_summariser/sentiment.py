"""Customer sentiment from a small word lexicon, with negation flipping a word's polarity."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from integrations.builtin_summariser.rules import LanguageRules, is_negated
from integrations.builtin_summariser.text import Sentence, customer_side

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
_THRESHOLD = 0.25
_CLAUSE_EDGES = re.compile(r"[,;:.!?\u3001\u3002]")


@dataclass(frozen=True)
class SentimentReading:
    """Overall customer sentiment and how it was at the start and at the end of the call."""

    overall: str
    start: str
    end: str


def customer_sentiment(sentences: Sequence[Sentence], rules: LanguageRules) -> SentimentReading:
    """Sentiment of the customer's sentences (of unattributed ones when none are the customer's).

    Start and end are the first and last third of those sentences; overall weighs later
    sentences more, as how a call ends matters more than how it began.
    """
    scores = [_sentence_score(sentence.text, rules) for sentence in customer_side(sentences)]
    if not scores:
        return SentimentReading(NEUTRAL, NEUTRAL, NEUTRAL)
    third = math.ceil(len(scores) / 3)
    recency = [0.5 + 0.5 * (position + 1) / len(scores) for position in range(len(scores))]
    overall = sum(weight * score for weight, score in zip(recency, scores, strict=True))
    start, end = sum(scores[:third]), sum(scores[-third:])
    return SentimentReading(_label(overall), _label(start), _label(end))


def _sentence_score(text: str, rules: LanguageRules) -> float:
    score = 0.0
    for clause in _CLAUSE_EDGES.split(text):
        tokens = rules.tokenise(clause)
        for position, token in enumerate(tokens):
            polarity = rules.sentiment.get(token, 0.0)
            if polarity and is_negated(rules, tokens[:position]):
                polarity = -polarity
            score += polarity
    return score


def _label(score: float) -> str:
    if score > _THRESHOLD:
        return POSITIVE
    if score < -_THRESHOLD:
        return NEGATIVE
    return NEUTRAL
