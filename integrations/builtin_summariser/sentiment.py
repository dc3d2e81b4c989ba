"""Customer sentiment from a word lexicon and phrase cues, with negation flipping a word."""

from __future__ import annotations

import itertools
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
# The turn nearest the call's edge counts most. At the start the next turns are mostly there
# for an opening that is only a greeting: later ones already answer the agent. At the end the
# turns before the last count nearly as much, since a closing "thanks, bye" is ritual and must
# not outweigh the complaint just before it.
_START_WEIGHTS = (1.0, 0.25, 0.1)
_END_WEIGHTS = (1.0, 0.75, 0.5)


@dataclass(frozen=True)
class SentimentReading:
    """Overall customer sentiment and how it was at the start and at the end of the call."""

    overall: str
    start: str
    end: str


def customer_sentiment(sentences: Sequence[Sentence], rules: LanguageRules) -> SentimentReading:
    """Sentiment of the customer's turns (of unattributed ones when none are the customer's).

    Start reads the customer's first few turns and end the last few, each weighing the turn
    nearest the edge most; neither reaches past the middle, so a short call's opening complaint
    does not colour its end. Overall weighs later sentences more, as the ending matters more.
    """
    turns = [
        [_sentence_score(s.text, rules) for s in group]
        for _, group in itertools.groupby(customer_side(sentences), key=lambda s: s.start)
    ]
    if not turns:
        return SentimentReading(NEUTRAL, NEUTRAL, NEUTRAL)
    turn_scores = [sum(scores) for scores in turns]
    reach = min(len(_END_WEIGHTS), math.ceil(len(turn_scores) / 2))
    start = _weighted(turn_scores[:reach], _START_WEIGHTS)
    end = _weighted(turn_scores[::-1][:reach], _END_WEIGHTS)
    return SentimentReading(_label(_overall(turns)), _label(start), _label(end))


def _weighted(edge_first: list[float], weights: tuple[float, ...]) -> float:
    return sum(weight * score for weight, score in zip(weights, edge_first, strict=False))


def _overall(turns: list[list[float]]) -> float:
    scores = [score for turn in turns for score in turn]
    recency = [0.5 + 0.5 * (position + 1) / len(scores) for position in range(len(scores))]
    return sum(weight * score for weight, score in zip(recency, scores, strict=True))


def _sentence_score(text: str, rules: LanguageRules) -> float:
    score = sum(weight for pattern, weight in rules.sentiment_phrases if pattern.search(text))
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
