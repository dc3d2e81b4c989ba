"""The built-in offline summariser: deterministic rules, no model, no network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.core.domain import (
    ActionItemDraft,
    CallContext,
    ConversationType,
    DealSignal,
    Resolution,
    ResolutionEvidence,
    SummaryDraft,
    Utterance,
)
from integrations.builtin_summariser.actions import extract_action_items
from integrations.builtin_summariser.compose import (
    compose_text,
    deal_part,
    problem_statement,
    resolution_part,
)
from integrations.builtin_summariser.conversation import (
    DealReading,
    competitors,
    conversation_type,
    deal_reading,
    objections,
)
from integrations.builtin_summariser.languages import DEFAULT_RULES, rules_for
from integrations.builtin_summariser.ranking import key_points, topics
from integrations.builtin_summariser.resolution import ResolutionFinding, classify_resolution
from integrations.builtin_summariser.rules import LanguageRules
from integrations.builtin_summariser.sentiment import (
    NEUTRAL,
    POSITIVE,
    SentimentReading,
    customer_sentiment,
)
from integrations.builtin_summariser.text import Sentence, split_sentences

ENGINE = "builtin"
PROMPT_VERSION = "builtin-1"


class BuiltinSummariser:
    """A ``Summariser`` that needs no model: cue tables and word statistics, per language.

    The same utterances and context always give the same draft. Calls in a language with no
    rule tables are summarised with the fallback language's tables (``extra["language"]`` says
    which were used).

    Args:
        rules: Rule tables by primary language subtag; defaults to ``DEFAULT_RULES``.
        fallback_language: The subtag whose tables serve languages without their own.
    """

    def __init__(
        self,
        rules: Mapping[str, LanguageRules] | None = None,
        fallback_language: str = "en",
    ) -> None:
        self._rules = dict(DEFAULT_RULES if rules is None else rules)
        if fallback_language not in self._rules:
            raise ValueError(f"no rule tables for the fallback language {fallback_language!r}")
        self._fallback = fallback_language

    def summarise(self, utterances: Sequence[Utterance], context: CallContext) -> SummaryDraft:
        """Summarise one call's utterances; the call date anchors relative due dates."""
        rules = rules_for(context.language, self._rules, self._fallback)
        sentences = split_sentences(utterances)
        if not sentences:
            return _no_speech(rules, context.conversation_type or ConversationType.SUPPORT)
        return _summary(sentences, context, rules)


@dataclass(frozen=True)
class _Outcome:
    """How the conversation ended: a support call's resolution or a sales call's deal."""

    kind: ConversationType
    text: str | None = None
    finding: ResolutionFinding | None = None
    deal: DealReading | None = None
    problem: Sentence | None = None


def _summary(sentences: list[Sentence], context: CallContext, rules: LanguageRules) -> SummaryDraft:
    items = extract_action_items(sentences, context.call_date, rules)
    feeling = customer_sentiment(sentences, rules)
    kind = context.conversation_type or conversation_type(sentences, rules)
    outcome = _outcome(kind, sentences, items, feeling, rules)
    problem_text = None if outcome.problem is None else outcome.problem.text
    keywords = topics(sentences, rules)
    finding = outcome.finding
    salient = [s.index for s in (outcome.problem, _deciding(outcome)) if s is not None]
    sales = kind is ConversationType.SALES
    return SummaryDraft(
        text=compose_text(problem_text, keywords, outcome.text, len(items), rules.phrasing),
        key_points=key_points(sentences, rules, salient),
        action_items=items,
        resolution=None if finding is None else finding.resolution,
        sentiment=feeling.overall,
        topics=keywords,
        engine=ENGINE,
        model=rules.model,
        prompt_version=PROMPT_VERSION,
        language=rules.language,
        evidence=_evidence(finding),
        sentiment_start=feeling.start,
        sentiment_end=feeling.end,
        next_steps=[item.description for item in items],
        objections=objections(sentences, rules) if sales else [],
        competitors=competitors(sentences, rules) if sales else [],
        conversation_type=kind,
        deal_signal=None if outcome.deal is None else outcome.deal.signal,
        deal_evidence=_deal_evidence(outcome.deal),
        extra=_extra(rules, problem_text, finding, feeling),
    )


def _outcome(
    kind: ConversationType,
    sentences: list[Sentence],
    items: list[ActionItemDraft],
    feeling: SentimentReading,
    rules: LanguageRules,
) -> _Outcome:
    if kind is ConversationType.SALES:
        deal = deal_reading(sentences, rules)
        return _Outcome(kind, deal_part(deal, rules.phrasing), deal=deal)
    if kind is ConversationType.OTHER:
        return _Outcome(kind)
    finding = _without_cues(classify_resolution(sentences, rules), items, feeling)
    problem = problem_statement(sentences, rules)
    return _Outcome(kind, resolution_part(finding, rules.phrasing), finding, problem=problem)


def _deciding(outcome: _Outcome) -> Sentence | None:
    if outcome.finding is not None:
        return outcome.finding.sentence
    return None if outcome.deal is None else outcome.deal.evidence


def _deal_evidence(deal: DealReading | None) -> str | None:
    return None if deal is None or deal.evidence is None else deal.evidence.text


def _without_cues(
    finding: ResolutionFinding, items: list[ActionItemDraft], feeling: SentimentReading
) -> ResolutionFinding:
    # No closing cue was said: open action items mean the case goes on; a customer who ends
    # the call pleased (a question answered) counts as resolved.
    if finding.cue is not None:
        return finding
    if items:
        return ResolutionFinding(Resolution.FOLLOW_UP)
    if feeling.end == POSITIVE:
        return ResolutionFinding(Resolution.RESOLVED)
    return finding


def _evidence(finding: ResolutionFinding | None) -> ResolutionEvidence | None:
    if finding is None or finding.sentence is None:
        return None
    return ResolutionEvidence(finding.sentence.text, finding.sentence.start)


def _no_speech(rules: LanguageRules, kind: ConversationType) -> SummaryDraft:
    support = kind is ConversationType.SUPPORT
    finding = ResolutionFinding(Resolution.UNRESOLVED) if support else None
    feeling = SentimentReading(NEUTRAL, NEUTRAL, NEUTRAL)
    return SummaryDraft(
        text=rules.phrasing.no_speech,
        key_points=[],
        action_items=[],
        resolution=None if finding is None else finding.resolution,
        sentiment=feeling.overall,
        topics=[],
        engine=ENGINE,
        model=rules.model,
        prompt_version=PROMPT_VERSION,
        language=rules.language,
        conversation_type=kind,
        deal_signal=DealSignal.NEUTRAL if kind is ConversationType.SALES else None,
        extra=_extra(rules, None, finding, feeling),
    )


def _extra(
    rules: LanguageRules,
    problem: str | None,
    finding: ResolutionFinding | None,
    feeling: SentimentReading,
) -> dict[str, object]:
    return {
        "language": rules.language,
        "problem_statement": problem,
        "resolution_evidence": None if finding is None else finding.evidence,
        "resolution_cue": None if finding is None else finding.cue,
        "sentiment_start": feeling.start,
        "sentiment_end": feeling.end,
    }
