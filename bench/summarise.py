"""Summariser figures: LLM traffic per audio minute and per call, built-in engine accuracy.

Usage: python bench/summarise.py [--verbose]

1. LLM traffic, against the loopback OpenAI-compatible fake the tests use (it answers every
   request with a valid summary, so only our side is measured): the prompt tokens the server
   reports (counted with o200k_base, gpt-4o's tokenizer, over the chat messages; the response
   schema is not counted) and LLM requests per call, for the sample call's script (real
   timings) and for 15, 30 and 60 minute calls made by repeating it and cutting it at the
   minute, and for 15 and 60 minute Japanese calls made of the labelled Japanese calls' lines
   (four seconds each), with the default taxonomy and budget (a 128k context window). Each is
   divided by the bare transcript text's tokens (words only, no prompt, no framing). Beside
   it, the old request (prompt v2, one JSON object per utterance, category examples, a
   12,000-token budget) for the same calls, counted the same way.
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
from agent.processing.prompts import load_prompts, load_template  # noqa: E402
from agent.processing.redaction import redact_lines  # noqa: E402
from agent.processing.taxonomy import load_taxonomy  # noqa: E402
from integrations.builtin_summariser import BuiltinSummariser  # noqa: E402
from integrations.llm_summariser import EndpointConfig, LlmSummariser, StructuredChat  # noqa: E402
from integrations.llm_summariser.schema import CallSummaryOut  # noqa: E402
from integrations.llm_summariser.transcript import estimate_tokens  # noqa: E402
from support import sentiment_examples as labelled_sentiment  # noqa: E402
from support.openai_server import (  # noqa: E402
    FakeOpenAI,
    Reply,
    count_tokens,
    fake_openai_server,
    prompt_tokens,
)

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


def japanese_call(minutes: float) -> list[Utterance]:
    """The labelled Japanese calls' lines, four seconds each, said over and over."""
    calls = json.loads(LABELLED.read_text(encoding="utf-8"))["calls"]
    lines = [line for call in calls if call["language"] == "ja" for line in call["lines"]]
    said = [
        Utterance(4.0 * n, 4.0 * n + 3.5, Speaker(speaker), text)
        for n, (speaker, text) in enumerate(lines * int(minutes * 60 / 4 / len(lines) + 1))
    ]
    return [u for u in said if u.end <= minutes * 60]


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
    return [u for u in out if u.end <= minutes * 60]


def _redactor(texts: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    found = redact_lines(texts)
    return found.texts, found.counts


def llm_traffic(fake: FakeOpenAI) -> None:
    fake.default = lambda _body: Reply(ANSWER)
    taxonomy = load_taxonomy()
    summariser = LlmSummariser(
        chat=StructuredChat(EndpointConfig(fake.url, "gpt-4o-mini", "sk-bench", 30.0, 0)),
        templates=load_prompts(),
        fallback=BuiltinSummariser(taxonomy=taxonomy),
        redactor=_redactor,
        taxonomy=taxonomy,
    )
    print(
        f"{'call':12} {'audio_min':>9} {'bare_text':>9} {'requests':>8} {'tokens_sent':>11} "
        f"{'sent/bare':>9} {'old_requests':>12} {'old_sent':>8} {'old/bare':>8}"
    )
    calls = [
        ("sample call", "en", sample_call(None)),
        *((f"{minutes} min", "en", sample_call(minutes)) for minutes in (15, 30, 60)),
        *((f"{minutes} min ja", "ja", japanese_call(minutes)) for minutes in (15, 60)),
    ]
    for name, language, utterances in calls:
        before = len(fake.requests)
        draft = summariser.summarise(utterances, CallContext(dt.date(2026, 11, 18), language))
        requests = len(fake.requests) - before
        old_requests, old_sent = old_request_tokens(utterances, language)
        bare = count_tokens(" ".join(u.text for u in utterances))
        audio_min = utterances[-1].end / 60
        print(
            f"{name:12} {audio_min:9.1f} {bare:9d} {requests:8d} {draft.input_tokens:11d} "
            f"{draft.input_tokens / bare:9.2f} {old_requests:12d} {old_sent:8d} "
            f"{old_sent / bare:8.2f}"
        )
    schema = json.dumps(CallSummaryOut.model_json_schema())
    print(f"(the response schema, sent with every request and not counted above: "
          f"{count_tokens(schema)} tokens)")  # fmt: skip


def old_request_tokens(utterances: Sequence[Utterance], language: str) -> tuple[int, int]:
    """Requests and prompt tokens of the request before issue 15 point 8, built as it was."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    texts, _ = _redactor([u.text for u in utterances])
    lines = [
        json.dumps({"t": round(u.start, 1), "speaker": u.speaker.value, "text": text},
                   ensure_ascii=False, separators=(",", ":"))
        for u, text in zip(utterances, texts, strict=True)
    ]  # fmt: skip
    transcript = "\n".join(lines)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=12_000, chunk_overlap=0, length_function=estimate_tokens,
        separators=["\n", "\u3002", ". ", " ", ""], keep_separator=False,
    )  # fmt: skip
    chunks = (
        splitter.split_text(transcript) if estimate_tokens(transcript) > 12_000 else [transcript]
    )
    taxonomy = load_taxonomy()
    categories = "\n".join(
        [f"- {c.name}: {c.description} (e.g. {', '.join(c.examples_in(language)[:6])})"
         for c in taxonomy.categories] + [f"- {taxonomy.fallback}: none of the above"]
    )  # fmt: skip
    values = {
        "call_date": "2026-11-18", "direction": "inbound", "conversation_hint": "",
        "call_weekday": {"en": "Wednesday", "ja": "水曜日"}[language],
        "output_language": {"en": "English", "ja": "日本語"}[language],
        "issue_categories": categories,
    }  # fmt: skip
    summary = load_template(REPO / "prompts" / "summary" / f"v2.{language}.md")
    total = 0
    for k, chunk in enumerate(chunks, start=1):
        parts = {"en": f"This is part {k} of {len(chunks)} of the call.",
                 "ja": f"これは通話の{len(chunks)}分割中の{k}番目です。"}  # fmt: skip
        part = "" if len(chunks) == 1 else parts[language]
        system, user = summary.render({**values, "part": part, "transcript": chunk})
        total += prompt_tokens([{"content": system}, {"content": user}])
    if len(chunks) == 1:
        return 1, total
    reduce = load_template(REPO / "prompts" / "summary_reduce" / f"v2.{language}.md")
    partials = "\n".join(json.dumps(ANSWER, ensure_ascii=False) for _ in chunks)
    system, user = reduce.render({**values, "partials": partials})
    return len(chunks) + 1, total + prompt_tokens([{"content": system}, {"content": user}])


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
    print("LLM traffic (loopback fake endpoint; prompt tokens as the server reports them):")
    with fake_openai_server() as fake:
        llm_traffic(fake)
    for title, path in (("labelled calls (tuned on)", LABELLED), ("held-out calls", HELD_OUT)):
        print(f"\nBuilt-in engine on the {title}, {path.name}:")
        builtin_accuracy(path, args.verbose)
    print(f"\nBuilt-in customer sentiment (start and end) on {labelled_sentiment.EXAMPLES.name}:")
    sentiment_accuracy(args.verbose)


if __name__ == "__main__":
    main()
