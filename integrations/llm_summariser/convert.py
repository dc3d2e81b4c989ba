"""A validated model answer turned into the domain's ``SummaryDraft``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from agent.core.domain import (
    ActionItemDraft,
    CallContext,
    ConversationType,
    DealSignal,
    IssueTaxonomy,
    Priority,
    Resolution,
    ResolutionEvidence,
    SummaryDraft,
    Utterance,
)
from integrations.llm_summariser.schema import (
    ActionItemOut,
    CallSummaryOut,
    DealOut,
    ResolutionOut,
)
from integrations.llm_summariser.transcript import SPEAKER_LETTERS

ENGINE = "llm"
_PARTIES = {"agent", "customer"}
# The transcript names speakers by letter; an owner given as one is the party it stands for.
_BY_LETTER = {
    letter.lower(): speaker.value
    for speaker, letter in SPEAKER_LETTERS.items()
    if speaker.value in _PARTIES
}


@dataclass(frozen=True)
class Provenance:
    """Who made the answer and what it cost."""

    model: str
    prompt_version: str
    language: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    llm_input: str | None
    extra: dict[str, object]


def to_draft(
    answer: CallSummaryOut,
    utterances: Sequence[Utterance],
    context: CallContext,
    made: Provenance,
    taxonomy: IssueTaxonomy | None = None,
) -> SummaryDraft:
    """The domain's draft; due dates before the call date are dropped as impossible.

    The uploader's conversation type wins over the model's; a resolution is kept for support
    conversations only and a deal for sales ones only, whatever the model answered.
    """
    kind = context.conversation_type or ConversationType(answer.conversation_type)
    resolution = answer.resolution if kind is ConversationType.SUPPORT else None
    deal = _deal(answer.deal, kind)
    category, confidence = _category(answer, kind, taxonomy)
    return SummaryDraft(
        text=answer.summary.strip(),
        key_points=[point.strip() for point in answer.key_points if point.strip()],
        action_items=[_item(item, context.call_date) for item in answer.action_items],
        resolution=Resolution(resolution.status) if resolution else None,
        sentiment=answer.sentiment.customer_end,
        topics=[topic.strip() for topic in answer.topics if topic.strip()],
        engine=ENGINE,
        model=made.model,
        prompt_version=made.prompt_version,
        input_tokens=made.input_tokens,
        output_tokens=made.output_tokens,
        cost_usd=made.cost_usd,
        language=made.language,
        evidence=_evidence(resolution, utterances),
        sentiment_start=answer.sentiment.customer_start,
        sentiment_end=answer.sentiment.customer_end,
        issue_category=category,
        issue_category_confidence=confidence,
        next_steps=list(answer.next_steps),
        objections=list(answer.objections),
        competitors=list(answer.competitors),
        conversation_type=kind,
        deal_signal=deal.signal,
        deal_evidence=deal.evidence,
        llm_input=made.llm_input,
        extra=made.extra,
    )


def _item(item: ActionItemOut, call_date: dt.date) -> ActionItemDraft:
    owner = item.owner.strip()
    lowered = owner.lower()
    owner = _BY_LETTER.get(lowered, lowered if lowered in _PARTIES else owner)
    due = dt.date.fromisoformat(item.due_date) if item.due_date else None
    if due is not None and due < call_date:
        due = None
    return ActionItemDraft(item.description.strip(), owner, due, Priority(item.priority))


def _category(
    answer: CallSummaryOut, kind: ConversationType, taxonomy: IssueTaxonomy | None
) -> tuple[str | None, float | None]:
    # Only the taxonomy's names reach the KPIs: a name the model made up is the fallback.
    if kind is not ConversationType.SUPPORT:
        return None, None
    name = (answer.issue_category or "").strip().lower()
    if taxonomy is None:
        return name or None, answer.issue_category_confidence
    if name not in taxonomy.names:
        return taxonomy.fallback, 0.0
    confidence = answer.issue_category_confidence
    return name, 0.5 if confidence is None else confidence


@dataclass(frozen=True)
class _Deal:
    signal: DealSignal | None = None
    evidence: str | None = None


def _deal(answer: DealOut | None, kind: ConversationType) -> _Deal:
    if kind is not ConversationType.SALES:
        return _Deal()
    if answer is None:
        return _Deal(DealSignal.NEUTRAL)
    return _Deal(DealSignal(answer.signal), (answer.evidence or "").strip() or None)


def _evidence(
    resolution: ResolutionOut | None, utterances: Sequence[Utterance]
) -> ResolutionEvidence | None:
    if resolution is None or not resolution.evidence:
        return None
    quote = resolution.evidence.strip()
    return ResolutionEvidence(quote, _quoted_at(quote, resolution.timestamp, utterances))


def _quoted_at(quote: str, cited: float | None, utterances: Sequence[Utterance]) -> float | None:
    """The start of the utterance that says ``quote``: the first at or after the cited time.

    The model sees a time mark only now and then and cites the last one before the quote, so
    its time is a hint; the quote finds the exact utterance. A quote found nowhere (paraphrased,
    or across two utterances) keeps the cited time.
    """
    needle = _folded(quote)
    saying = [u for u in utterances if needle and needle in _folded(u.text)]
    if not saying:
        return cited
    if cited is None:
        return saying[0].start
    return min(saying, key=lambda u: (u.start < cited, abs(u.start - cited))).start


def _folded(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .,!?\u3002\u3001\"'")
