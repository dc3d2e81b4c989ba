"""The hand-labelled sentiment snippets in ``bench/data/sentiment_examples.json``, scored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.core.domain import Speaker
from support.builtin_calls import summarise

EXAMPLES = Path(__file__).resolve().parents[2] / "bench" / "data" / "sentiment_examples.json"


@dataclass(frozen=True)
class SentimentResult:
    """One snippet's labels beside what the built-in engine read."""

    id: str
    language: str
    expected: tuple[str, str]
    got: tuple[str, str]

    @property
    def right(self) -> int:
        """How many of start and end were read as labelled (0 to 2)."""
        return sum(e == g for e, g in zip(self.expected, self.got, strict=True))


def load_examples() -> list[dict[str, Any]]:
    examples: list[dict[str, Any]] = json.loads(EXAMPLES.read_text(encoding="utf-8"))["examples"]
    return examples


def score(example: dict[str, Any]) -> SentimentResult:
    lines = [(Speaker(speaker), text) for speaker, text in example["lines"]]
    draft = summarise(lines, example["language"])
    return SentimentResult(
        example["id"],
        example["language"],
        (example["start"], example["end"]),
        (draft.extra["sentiment_start"], draft.extra["sentiment_end"]),
    )


def accuracy(results: list[SentimentResult]) -> float:
    """The share of start and end labels read right, both counted."""
    return sum(r.right for r in results) / (2 * len(results))
