"""Language-neutral text handling: normalising, sentence splitting, tokenising, trimming."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from agent.core.domain import Speaker, Utterance

MAX_SENTENCE_CHARS = 400

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
# Latin terminators end a sentence only before whitespace (so "2.5" and "v1.2" survive);
# CJK terminators end one wherever they stand, since those scripts put no space after them.
# NFKC turns full-width "?" and "!" into ASCII ones, which Japanese follows with no space.
_SENTENCE_END = re.compile(
    r"(?<=[.!?\u2026])\s+|(?<=[\u3002\uff01\uff1f])|(?<=[!?])(?=[\u3040-\u30ff\u4e00-\u9fff])"
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+")


@dataclass(frozen=True)
class Sentence:
    """One sentence of one utterance, numbered in call order."""

    index: int
    speaker: Speaker
    text: str
    start: float = 0.0


def normalise(text: str) -> str:
    """NFKC-fold, straighten quotes, drop control characters and collapse whitespace."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    printable = "".join(ch if ch.isprintable() else " " for ch in folded)
    return " ".join(printable.split())


def split_sentences(utterances: Sequence[Utterance]) -> list[Sentence]:
    """Every non-empty sentence of every utterance, in order, each keeping its speaker."""
    sentences: list[Sentence] = []
    for utterance in utterances:
        for piece in _split_text(normalise(utterance.text)):
            sentences.append(Sentence(len(sentences), utterance.speaker, piece, utterance.start))
    return sentences


def _split_text(text: str) -> list[str]:
    pieces = (piece.strip() for piece in _SENTENCE_END.split(text))
    return [chunk for piece in pieces if piece for chunk in _chunk(piece)]


def _chunk(text: str) -> list[str]:
    # Unpunctuated speech (ASR output often is) would otherwise become one enormous "sentence".
    chunks: list[str] = []
    start = 0
    while len(text) - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        chunks.append(text[start:cut].strip())
        start = cut + 1 if text[cut] == " " else cut
    chunks.append(text[start:].strip())
    return [chunk for chunk in chunks if chunk]


def customer_side(sentences: Sequence[Sentence]) -> list[Sentence]:
    """The customer's sentences; the unattributed ones when the customer has none (mono calls)."""
    for speaker in (Speaker.CUSTOMER, Speaker.UNKNOWN):
        chosen = [sentence for sentence in sentences if sentence.speaker is speaker]
        if chosen:
            return chosen
    return []


def word_tokens(text: str) -> list[str]:
    """Lowercase words (letters, with inner apostrophes) and digit runs."""
    return _WORD.findall(text.lower())


def truncate(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    cut = cut if cut > limit // 2 else limit - 1
    return text[:cut].rstrip(" ,;:-") + "\u2026"


def capitalise(text: str) -> str:
    """``text`` with its first character upper-cased and the rest left alone."""
    return text[:1].upper() + text[1:]


def strip_end_punctuation(text: str) -> str:
    """``text`` without trailing spaces and sentence punctuation."""
    return text.rstrip(" .,;:!?\u2026\u3002\uff01\uff1f")
