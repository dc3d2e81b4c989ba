"""Key points by centrality and topics by keyword frequency."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence

from integrations.builtin_summariser.rules import LanguageRules
from integrations.builtin_summariser.text import Sentence, capitalise, truncate

MIN_KEY_POINTS = 3
MAX_KEY_POINTS = 5
MAX_TOPICS = 5
MAX_KEY_POINT_CHARS = 300
_MIN_CONTENT_WORDS = 3
_SAME_POINT = 0.75
_LETTERS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def content_words(text: str, rules: LanguageRules) -> list[str]:
    """The tokens of ``text`` that carry meaning: no stopwords, digits or very short words."""
    return [
        token
        for token in rules.tokenise(text)
        if token not in rules.stopwords
        and len(token) >= rules.min_word_length
        and not token.isdigit()
        and (rules.content_token is None or rules.content_token(token))
    ]


def key_points(
    sentences: Sequence[Sentence], rules: LanguageRules, salient: Collection[int] = ()
) -> list[str]:
    """The call's 3-5 key sentences, in call order.

    The sentences indexed in ``salient`` (the problem statement, the resolution evidence) come
    first; the rest are the sentences closest to the call's TF-IDF centroid. Questions, greetings
    and sentences with fewer than three content words are never picked for centrality.
    """
    bags = _eligible_bags(sentences, rules)
    wanted = max(MIN_KEY_POINTS, min(MAX_KEY_POINTS, math.ceil(len(bags) / 4)))
    scores = _centrality(bags)
    central = sorted(scores, key=lambda index: (-scores[index], index))
    chosen = _distinct(list(dict.fromkeys([*sorted(salient), *central])), bags)[:wanted]
    by_index = {sentence.index: sentence.text for sentence in sentences}
    texts = (_without_greeting(by_index[index], rules) for index in sorted(chosen))
    return [truncate(text, MAX_KEY_POINT_CHARS) for text in texts]


def _without_greeting(text: str, rules: LanguageRules) -> str:
    rest = rules.issue_cues.greeting_lead.sub("", text, count=1)
    return text if rest == text or not rest else capitalise(rest)


def _distinct(ranked: list[int], bags: dict[int, Counter[str]]) -> list[int]:
    # A recap says again what was said before: keep the first of two sentences that share most
    # of their content words.
    kept: list[int] = []
    for index in ranked:
        words = set(bags.get(index, ()))
        if not any(_overlap(words, set(bags.get(other, ()))) >= _SAME_POINT for other in kept):
            kept.append(index)
    return kept


def _overlap(first: set[str], second: set[str]) -> float:
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def _eligible_bags(sentences: Sequence[Sentence], rules: LanguageRules) -> dict[int, Counter[str]]:
    bags = {
        sentence.index: Counter(content_words(sentence.text, rules))
        for sentence in sentences
        if not sentence.text.endswith("?") and not rules.greetings.search(sentence.text)
    }
    return {index: bag for index, bag in bags.items() if sum(bag.values()) >= _MIN_CONTENT_WORDS}


def _centrality(bags: dict[int, Counter[str]]) -> dict[int, float]:
    # Similarity to the centroid rather than to every other sentence: linear in the call's length.
    idf = _idf(list(bags.values()))
    vectors = {index: _unit({w: n * idf[w] for w, n in bag.items()}) for index, bag in bags.items()}
    centroid: dict[str, float] = {}
    for vector in vectors.values():
        for word, value in vector.items():
            centroid[word] = centroid.get(word, 0.0) + value
    return {index: _dot(vector, centroid) for index, vector in vectors.items()}


def _idf(bags: list[Counter[str]]) -> dict[str, float]:
    frequency: Counter[str] = Counter(word for bag in bags for word in bag)
    return {word: math.log((1 + len(bags)) / (1 + count)) + 1 for word, count in frequency.items()}


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
    return {word: value / norm for word, value in vector.items()}


def _dot(first: dict[str, float], second: dict[str, float]) -> float:
    return sum(value * second.get(word, 0.0) for word, value in first.items())


def topics(sentences: Sequence[Sentence], rules: LanguageRules) -> list[str]:
    """Up to ``MAX_TOPICS`` content words said at least twice, most frequent first.

    Ties go to the word said first. Greeting phrases and names (words only ever capitalised
    mid-sentence, such as "Sam" or "Friday") do not count.
    """
    names = _names(sentences)
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for sentence in sentences:
        for word in content_words(rules.greetings.sub(" ", sentence.text), rules):
            if word in names:
                continue
            counts[word] += 1
            first_seen.setdefault(word, len(first_seen))
    repeated = [word for word, count in counts.items() if count >= 2]
    ranked = sorted(repeated, key=lambda word: (-counts[word], first_seen[word]))
    return ranked[:MAX_TOPICS]


def _names(sentences: Sequence[Sentence]) -> set[str]:
    capitalised: set[str] = set()
    lowercase: set[str] = set()
    for sentence in sentences:
        for position, word in enumerate(_LETTERS.findall(sentence.text)):
            if word.islower():
                lowercase.add(word)
            elif position and word[0].isupper():
                capitalised.add(word.lower())
    return capitalised - lowercase
