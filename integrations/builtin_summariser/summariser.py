"""The built-in offline summariser: deterministic rules, no model, no network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.core.domain import (
    ActionItemDraft,
    CallContext,
    Resolution,
    ResolutionEvidence,
    SummaryDraft,
    Utterance,
)
from integrations.builtin_summariser.actions import extract_action_items
from integrations.builtin_summariser.compose import compose_text, problem_statement
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
            return _no_speech(rules)
        return _summary(sentences, context, rules)


def _summary(sentences: list[Sentence], context: CallContext, rules: LanguageRules) -> SummaryDraft:
    items = extract_action_items(sentences, context.call_date, rules)
    feeling = customer_sentiment(sentences, rules)
    finding = _without_cues(classify_resolution(sentences, rules), items, feeling)
    problem = problem_statement(sentences, rules)
    problem_text = None if problem is None else problem.text
    keywords = topics(sentences, rules)
    salient = [sentence.index for sentence in (problem, finding.sentence) if sentence is not None]
    return SummaryDraft(
        text=compose_text(problem_text, keywords, finding, len(items), rules.phrasing),
        key_points=key_points(sentences, rules, salient),
        action_items=items,
        resolution=finding.resolution,
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
        extra=_extra(rules, problem_text, finding, feeling),
    )


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


def _evidence(finding: ResolutionFinding) -> ResolutionEvidence | None:
    if finding.sentence is None:
        return None
    return ResolutionEvidence(finding.sentence.text, finding.sentence.start)


def _no_speech(rules: LanguageRules) -> SummaryDraft:
    finding = ResolutionFinding(Resolution.UNRESOLVED)
    feeling = SentimentReading(NEUTRAL, NEUTRAL, NEUTRAL)
    return SummaryDraft(
        text=rules.phrasing.no_speech,
        key_points=[],
        action_items=[],
        resolution=finding.resolution,
        sentiment=feeling.overall,
        topics=[],
        engine=ENGINE,
        model=rules.model,
        prompt_version=PROMPT_VERSION,
        language=rules.language,
        extra=_extra(rules, None, finding, feeling),
    )


def _extra(
    rules: LanguageRules,
    problem: str | None,
    finding: ResolutionFinding,
    feeling: SentimentReading,
) -> dict[str, object]:
    return {
        "language": rules.language,
        "problem_statement": problem,
        "resolution_evidence": finding.evidence,
        "resolution_cue": finding.cue,
        "sentiment_start": feeling.start,
        "sentiment_end": feeling.end,
    }
