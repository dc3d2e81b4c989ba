"""The transcript as the model sees it: compact redacted lines, token estimates, chunks.

One line per speaker turn, ``C I was charged twice.``: the speaker's letter (declared once in
the prompt), then the words. A line opens with a time mark, ``@372``, seconds from the start,
when a minute or more has passed since the last mark. Per-utterance JSON cost about as many
tokens as the words themselves; this costs about one a line. The model's quotes are mapped back
to the exact utterance (and its start) afterwards, so marks need not be on every line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.core.domain import Speaker, Utterance

Redactor = Callable[[Sequence[str]], tuple[list[str], dict[str, int]]]
"""Consecutive utterance texts in (redacted together: a number may run on into the next one);
their redacted texts, in order, and counts of what was replaced out."""

SPEAKER_LETTERS = {Speaker.AGENT: "A", Speaker.CUSTOMER: "C", Speaker.UNKNOWN: "U"}
MARK_EVERY_S = 60.0
_LINE_OVERHEAD = 4  # estimated tokens of a letter, a time mark and the line break

_WIDE = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")
# Anything that could pass for our data markers is defused inside the data.
_MARKERS = re.compile(r"<<<|>>>")


@dataclass(frozen=True)
class Line:
    """One speaker turn: consecutive utterances of one speaker, joined."""

    start: float
    speaker: Speaker
    text: str


@dataclass(frozen=True)
class RenderedTranscript:
    lines: tuple[Line, ...]
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return format_lines(self.lines)


def render(utterances: Sequence[Utterance], redactor: Redactor) -> RenderedTranscript:
    """Speaker turns with PII replaced; whitespace is collapsed so no text can forge a line."""
    texts, counts = redactor([_MARKERS.sub("", utterance.text) for utterance in utterances])
    lines: list[Line] = []
    for utterance, redacted in zip(utterances, texts, strict=True):
        text = " ".join(redacted.split())
        if not text:
            continue
        if lines and lines[-1].speaker is utterance.speaker:
            last = lines[-1]
            lines[-1] = Line(last.start, last.speaker, f"{last.text} {text}")
        else:
            lines.append(Line(utterance.start, utterance.speaker, text))
    return RenderedTranscript(tuple(lines), dict(counts))


def format_lines(lines: Sequence[Line]) -> str:
    """The lines as sent; the first always carries a time mark."""
    out = []
    marked: float | None = None
    for line in lines:
        mark = ""
        if marked is None or line.start - marked >= MARK_EVERY_S:
            mark, marked = f"@{int(line.start)} ", line.start
        out.append(f"{mark}{SPEAKER_LETTERS[line.speaker]} {line.text}")
    return "\n".join(out)


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: about four characters a token, one per CJK character.

    Real tokenizers differ per model and need downloads; the budget only has to be safe.
    """
    wide = len(_WIDE.findall(text))
    return wide + (len(text) - wide + 3) // 4


def chunks(transcript: RenderedTranscript, budget_tokens: int) -> list[str]:
    """The transcript in chunks of at most ``budget_tokens`` (estimated), cut between lines.

    A line too long for one chunk is cut between sentences; every chunk opens with a time mark.
    """
    groups: list[list[Line]] = [[]]
    size = 0
    pieces = (piece for line in transcript.lines for piece in _fit(line, budget_tokens))
    for piece in pieces:
        cost = estimate_tokens(piece.text) + _LINE_OVERHEAD
        if groups[-1] and size + cost > budget_tokens:
            groups.append([])
            size = 0
        groups[-1].append(piece)
        size += cost
    return [format_lines(group) for group in groups]


def _fit(line: Line, budget_tokens: int) -> list[Line]:
    room = budget_tokens - _LINE_OVERHEAD
    if estimate_tokens(line.text) <= room:
        return [line]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=room,
        chunk_overlap=0,
        length_function=estimate_tokens,
        separators=["\u3002", ". ", " ", ""],
        keep_separator="end",
    )
    return [Line(line.start, line.speaker, piece) for piece in splitter.split_text(line.text)]
