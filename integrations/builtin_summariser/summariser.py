"""The built-in offline summariser: deterministic rules, no model, no network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.core.domain import (
    ActionItemDraft,
    CallContext,
    ConversationType,
    DealSignal,
    IssueTaxonomy,
    Resolution,
    ResolutionEvidence,
    SummaryDraft,
    Utterance,
)
from integrations.builtin_summariser.actions import extract_action_items
from integrations.builtin_summariser.categories import CategoryReading, classify_issue
from integrations.builtin_summariser.compose import (
    compose_text,
    deal_part,
    issue_details,
    later_issue,
    opening,
    resolution_part,
    without_greeting,
)
from integrations.builtin_summariser.conversation import (
    DealReading,
    competitors,
    conversation_type,
    deal_reading,
    objections,
)
from integrations.builtin_summariser.issues import Issue, find_issues
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
        taxonomy: The issue categories support calls are put in; None: no category.
    """

    def __init__(
        self,
        rules: Mapping[str, LanguageRules] | None = None,
        fallback_language: str = "en",
        taxonomy: IssueTaxonomy | None = None,
    ) -> None:
        self._taxonomy = taxonomy
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
        return _summary(sentences, context, rules, self._taxonomy)


@dataclass(frozen=True)
class _Outcome:
    """How the conversation ended: a support call's resolution or a sales call's deal."""

    kind: ConversationType
    parts: tuple[str, ...] = ()
    finding: ResolutionFinding | None = None
    deal: DealReading | None = None
    issues: tuple[Issue, ...] = ()

    @property
    def problem(self) -> Sentence | None:
        return self.issues[0].problem if self.issues else None

    def salient(self) -> list[int]:
        """The sentences a key point must include: each issue's, and what decided the outcome."""
        found = [s for issue in self.issues for s in (issue.problem, issue.cause, issue.action)]
        found.append(_deciding(self))
        return [sentence.index for sentence in found if sentence is not None]


def _summary(
    sentences: list[Sentence],
    context: CallContext,
    rules: LanguageRules,
    taxonomy: IssueTaxonomy | None,
) -> SummaryDraft:
    items = extract_action_items(sentences, context.call_date, rules)
    feeling = customer_sentiment(sentences, rules)
    kind = context.conversation_type or conversation_type(sentences, rules, bool(items))
    outcome = _outcome(kind, sentences, items, feeling, rules)
    problem_text = None if outcome.problem is None else outcome.problem.text
    keywords = topics(sentences, rules)
    finding = outcome.finding
    sales = kind is ConversationType.SALES
    category = _category(outcome, sentences, taxonomy, rules)
    stated = None if problem_text is None else without_greeting(problem_text, rules)
    first = opening(stated, keywords, rules.phrasing)
    return SummaryDraft(
        text=compose_text(first, outcome.parts, len(items), rules.phrasing),
        key_points=key_points(sentences, rules, outcome.salient()),
        action_items=items,
        resolution=None if finding is None else finding.resolution,
        sentiment=feeling.overall,
        topics=keywords,
        engine=ENGINE,
        model=rules.model,
        prompt_version=PROMPT_VERSION,
        language=rules.language,
        evidence=_evidence(finding),
        issue_category=None if category is None else category.name,
        issue_category_confidence=None if category is None else category.confidence,
        sentiment_start=feeling.start,
        sentiment_end=feeling.end,
        next_steps=[item.description for item in items],
        objections=objections(sentences, rules) if sales else [],
        competitors=competitors(sentences, rules) if sales else [],
        conversation_type=kind,
        deal_signal=None if outcome.deal is None else outcome.deal.signal,
        deal_evidence=_deal_evidence(outcome.deal),
        extra={**_extra(rules, problem_text, finding, feeling), **_issues_extra(outcome)},
    )


def _category(
    outcome: _Outcome,
    sentences: list[Sentence],
    taxonomy: IssueTaxonomy | None,
    rules: LanguageRules,
) -> CategoryReading | None:
    if taxonomy is None or outcome.kind is not ConversationType.SUPPORT:
        return None
    problems = {issue.problem.index for issue in outcome.issues}
    return classify_issue(sentences, taxonomy, rules.language, problems)


def _issues_extra(outcome: _Outcome) -> dict[str, object]:
    if outcome.kind is not ConversationType.SUPPORT:
        return {}
    return {"issues": [issue.as_json() for issue in outcome.issues]}


def _outcome(
    kind: ConversationType,
    sentences: list[Sentence],
    items: list[ActionItemDraft],
    feeling: SentimentReading,
    rules: LanguageRules,
) -> _Outcome:
    if kind is ConversationType.SALES:
        deal = deal_reading(sentences, rules)
        return _Outcome(kind, (deal_part(deal, rules.phrasing),), deal=deal)
    if kind is ConversationType.OTHER:
        return _Outcome(kind)
    finding = _without_cues(classify_resolution(sentences, rules), items, feeling)
    issues = find_issues(sentences, rules)
    first = issue_details(issues[0], rules) if issues else []
    later = [part for issue in issues[1:] for part in later_issue(issue, rules)]
    parts = (*first, resolution_part(finding, rules.phrasing), *later)
    return _Outcome(kind, parts, finding, issues=tuple(issues))


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
