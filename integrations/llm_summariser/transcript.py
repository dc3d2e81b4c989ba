"""The transcript as the model sees it: redacted JSON lines, token estimates, chunks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.core.domain import Utterance

Redactor = Callable[[str], tuple[str, dict[str, int]]]
"""Text in; redacted text and counts of what was replaced out."""

_WIDE = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")
# Anything that could pass for our data markers is defused inside the data.
_MARKERS = re.compile(r"<<<|>>>")


@dataclass(frozen=True)
class RenderedTranscript:
    text: str
    redactions: dict[str, int] = field(default_factory=dict)


def render(utterances: Sequence[Utterance], redactor: Redactor) -> RenderedTranscript:
    """One JSON object per utterance (``t``, ``speaker``, ``text``), PII replaced."""
    counts: dict[str, int] = {}
    lines = []
    for utterance in utterances:
        text, found = redactor(_MARKERS.sub("", utterance.text))
        for label, count in found.items():
            counts[label] = counts.get(label, 0) + count
        line = {"t": round(utterance.start, 1), "speaker": utterance.speaker.value, "text": text}
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    return RenderedTranscript("\n".join(lines), counts)


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
