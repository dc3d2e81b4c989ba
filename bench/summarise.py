"""Summariser figures: LLM traffic per audio minute and per call, built-in engine accuracy.

Usage: python bench/summarise.py [--verbose]

1. LLM traffic, against the loopback OpenAI-compatible fake the tests use (it answers every
   request with a valid summary, so only our side is measured): tokens sent per audio minute
   (estimated: four characters a token, one per CJK character; no tokenizer download) and LLM
   requests per call, for the sample call's script (real timings) and for 15, 30 and 60 minute
   calls made by repeating it, with the default 12,000-token budget per request. The baseline
   beside it is the bare transcript text (words only, no prompt, no framing).
2. The built-in engine on the hand-labelled calls in ``bench/data/`` (English and Japanese):
   action-item precision and recall (an item matches a label when the owner and the due date
   are equal and its description holds the label's keywords) and resolution accuracy.
   ``labelled_calls.json`` guided the rules' development; ``heldout_calls.json`` was written
   afterwards and never used to tune them, so its figures are the honest ones.
3. The built-in engine's customer sentiment at the start and end on the hand-written snippets
   in ``bench/data/sentiment_examples.json`` (accuracy over both labels; the weights and cues
   were tuned on them, so read it as a regression check, not a held-out figure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the loopback fake server lives with the tests

from agent.core.domain import ActionItemDraft, CallContext, Speaker, Utterance  # noqa: E402
from agent.processing.prompts import load_prompts  # noqa: E402
from agent.processing.redaction import redact_lines  # noqa: E402
from integrations.builtin_summariser import BuiltinSummariser  # noqa: E402
from integrations.llm_summariser import EndpointConfig, LlmSummariser, StructuredChat  # noqa: E402
from integrations.llm_summariser.transcript import estimate_tokens  # noqa: E402
from support import sentiment_examples as labelled_sentiment  # noqa: E402
from support.openai_server import FakeOpenAI, Reply, fake_openai_server  # noqa: E402

LABELLED = REPO / "bench" / "data" / "labelled_calls.json"
HELD_OUT = REPO / "bench" / "data" / "heldout_calls.json"
SCRIPT = REPO / "examples" / "support-call.script.json"
ANSWER: dict[str, Any] = {
    "summary": "s", "key_points": [], "action_items": [],
    "resolution": {"status": "resolved", "evidence": None, "timestamp": None},
    "sentiment": {"customer_start": "neutral", "customer_end": "neutral"},
    "topics": [], "issue_category": None, "next_steps": [], "objections": [], "competitors": [],
    "conversation_type": "support", "deal": None, "issue_category_confidence": None,
}  # fmt: skip


def sample_call(minutes: float | None) -> list[Utterance]:
    script = json.loads(SCRIPT.read_text())
    turns = [
        Utterance(t["start"], t["end"], Speaker(t["speaker"]), t["text"]) for t in script["turns"]
    ]
    if minutes is None:
        return turns
    length, out, offset = script["duration"], [], 0.0
    while offset < minutes * 60:
        out += [Utterance(u.start + offset, u.end + offset, u.speaker, u.text) for u in turns]
        offset += length
    return out


def _redactor(texts: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    found = redact_lines(texts)
    return found.texts, found.counts


def llm_traffic(fake: FakeOpenAI) -> None:
    fake.default = lambda _body: Reply(ANSWER)
    summariser = LlmSummariser(
        chat=StructuredChat(EndpointConfig(fake.url, "gpt-4o-mini", "sk-bench", 30.0, 0)),
        templates=load_prompts(),
        fallback=BuiltinSummariser(),
        redactor=_redactor,
    )
    print(
        f"{'call':14} {'audio_min':>9} {'requests':>8} {'tokens_sent':>11} {'tokens/min':>10} "
        f"{'bare_text':>9} {'bare/min':>8} {'sent/bare':>9}"
    )
    for name, minutes in (("sample call", None), ("15 min", 15), ("30 min", 30), ("60 min", 60)):
        utterances = sample_call(minutes)
        before = len(fake.requests)
        summariser.summarise(utterances, CallContext(dt.date(2026, 11, 18), "en"))
        sent = fake.requests[before:]
        tokens = sum(estimate_tokens(m["content"]) for r in sent for m in r["messages"])
        bare = estimate_tokens(" ".join(u.text for u in utterances))
        audio_min = utterances[-1].end / 60
        print(
            f"{name:14} {audio_min:9.1f} {len(sent):8d} {tokens:11d} {tokens / audio_min:10.0f} "
            f"{bare:9d} {bare / audio_min:8.0f} {tokens / bare:9.2f}"
        )


@dataclass
class Score:
    matched: int = 0
    predicted: int = 0
    labelled: int = 0
    resolutions_right: int = 0
    calls: int = 0

    def line(self, name: str) -> str:
        precision = self.matched / self.predicted if self.predicted else 1.0
        recall = self.matched / self.labelled if self.labelled else 1.0
        accuracy = self.resolutions_right / self.calls
        return (
            f"{name:10} {self.calls:5d} {self.labelled:6d} {self.predicted:9d} {self.matched:7d} "
            f"{precision:9.2f} {recall:6.2f} {accuracy:10.2f}"
        )


def matches(item: ActionItemDraft, label: dict[str, Any]) -> bool:
    due = item.due_date.isoformat() if item.due_date else None
    text = item.description.lower()
    keywords_found = all(k.lower() in text for k in label["keywords"])
    return item.owner == label["owner"] and due == label["due_date"] and keywords_found


def evaluate(call: dict[str, Any], score: Score, verbose: bool) -> None:
    utterances = [
        Utterance(4.0 * n, 4.0 * n + 3.5, Speaker(s), text)
        for n, (s, text) in enumerate(call["lines"])
    ]
    context = CallContext(dt.date.fromisoformat(call["call_date"]), call["language"])
    draft = BuiltinSummariser().summarise(utterances, context)
    labels = list(call["expected"]["action_items"])
    unmatched = _match(draft.action_items, labels)
    score.calls += 1
    score.labelled += len(call["expected"]["action_items"])
    score.predicted += len(draft.action_items)
    score.matched += len(draft.action_items) - len(unmatched)
    # A sales call (labelled so) is right when read as sales: its outcome is the deal. A call
    # labelled support but read as sales or other has no resolution, which counts as wrong.
    got = draft.resolution.value if draft.resolution else f"none ({draft.conversation_type})"
    expected_type = call["expected"].get("conversation_type", "support")
    if expected_type == "support":
        right = got == call["expected"]["resolution"]
    else:
        right = draft.conversation_type == expected_type
    score.resolutions_right += right
    if verbose and (unmatched or labels or not right):
        print(f"  {call['id']}: resolution {got} "
              f"(label {call['expected']['resolution']})")  # fmt: skip
        for item in unmatched:
            print(f"    extra:  {item.owner} {item.due_date} {item.description}")
        for label in labels:
            print(f"    missed: {label['owner']} {label['due_date']} {label['keywords']}")


def _match(items: Sequence[ActionItemDraft], labels: list[dict[str, Any]]) -> list[ActionItemDraft]:
    unmatched = []
    for item in items:
        found = next((label for label in labels if matches(item, label)), None)
        if found is None:
            unmatched.append(item)
        else:
            labels.remove(found)
    return unmatched


def builtin_accuracy(path: Path, verbose: bool) -> None:
    calls = json.loads(path.read_text(encoding="utf-8"))["calls"]
    scores = {"en": Score(), "ja": Score(), "all": Score()}
    for call in calls:
        evaluate(call, scores[call["language"]], verbose)
        evaluate(call, scores["all"], False)
    print(f"{'language':10} {'calls':>5} {'labels':>6} {'predicted':>9} {'matched':>7} "
          f"{'precision':>9} {'recall':>6} {'resolution':>10}")  # fmt: skip
    for name, score in scores.items():
        print(score.line(name))


def sentiment_accuracy(verbose: bool) -> None:
    results = [labelled_sentiment.score(e) for e in labelled_sentiment.load_examples()]
    print(f"{'language':10} {'snippets':>8} {'accuracy':>8}")
    for language in ("en", "ja", "all"):
        chosen = [r for r in results if language in (r.language, "all")]
        print(f"{language:10} {len(chosen):8d} {labelled_sentiment.accuracy(chosen):8.2f}")
    for result in results:
        if verbose and result.right < 2:
            print(f"  {result.id}: start/end {result.got} (label {result.expected})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    print("LLM traffic (loopback fake endpoint, estimated tokens):")
    with fake_openai_server() as fake:
        llm_traffic(fake)
    for title, path in (("labelled calls (tuned on)", LABELLED), ("held-out calls", HELD_OUT)):
        print(f"\nBuilt-in engine on the {title}, {path.name}:")
        builtin_accuracy(path, args.verbose)
    print(f"\nBuilt-in customer sentiment (start and end) on {labelled_sentiment.EXAMPLES.name}:")
    sentiment_accuracy(args.verbose)


if __name__ == "__main__":
    main()
