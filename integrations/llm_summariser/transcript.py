"""The transcript as the model sees it: redacted JSON lines, token estimates, chunks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.core.domain import Utterance

Redactor = Callable[[Sequence[str]], tuple[list[str], dict[str, int]]]
"""Consecutive utterance texts in (redacted together: a number may run on into the next one);
their redacted texts, in order, and counts of what was replaced out."""

_WIDE = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")
# Anything that could pass for our data markers is defused inside the data.
_MARKERS = re.compile(r"<<<|>>>")


@dataclass(frozen=True)
class RenderedTranscript:
    text: str
    redactions: dict[str, int] = field(default_factory=dict)


def render(utterances: Sequence[Utterance], redactor: Redactor) -> RenderedTranscript:
    """One JSON object per utterance (``t``, ``speaker``, ``text``), PII replaced."""
    texts, counts = redactor([_MARKERS.sub("", utterance.text) for utterance in utterances])
    lines = []
    for utterance, text in zip(utterances, texts, strict=True):
        line = {"t": round(utterance.start, 1), "speaker": utterance.speaker.value, "text": text}
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    return RenderedTranscript("\n".join(lines), dict(counts))


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: about four characters a token, one per CJK character.

    Real tokenizers differ per model and need downloads; the budget only has to be safe.
    """
    wide = len(_WIDE.findall(text))
    return wide + (len(text) - wide + 3) // 4


def split(text: str, budget_tokens: int) -> list[str]:
    """``text`` in chunks of at most ``budget_tokens`` (estimated), cut between lines."""
    if estimate_tokens(text) <= budget_tokens:
        return [text]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=budget_tokens,
        chunk_overlap=0,
        length_function=estimate_tokens,
        separators=["\n", "\u3002", ". ", " ", ""],
        keep_separator=False,
    )
    return splitter.split_text(text)
