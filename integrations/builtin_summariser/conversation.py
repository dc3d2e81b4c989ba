"""What kind of conversation it was, and for a sales one, where the deal stands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.core.domain import ConversationType, DealSignal, Speaker
from integrations.builtin_summariser.rules import LanguageRules
from integrations.builtin_summariser.text import Sentence, customer_side

MAX_OBJECTIONS = 5


@dataclass(frozen=True)
class DealReading:
    """A sales conversation's deal signal, and the customer's words that decided it."""

    signal: DealSignal
    evidence: Sentence | None = None


def conversation_type(
    sentences: Sequence[Sentence], rules: LanguageRules, has_actions: bool = False
) -> ConversationType:
    """Sales when more sentences speak of buying than of service; support when any speak of a
    problem, a resolution or a customer's request, or when work was agreed; otherwise other (a
    chat, an announcement)."""
    sales = sum(1 for s in sentences if rules.conversation.sales.search(s.text))
    support = sum(1 for s in sentences if _speaks_of_service(s, rules))
    if sales > support:
        return ConversationType.SALES
    return ConversationType.SUPPORT if support or has_actions else ConversationType.OTHER


def _speaks_of_service(sentence: Sentence, rules: LanguageRules) -> bool:
    text = sentence.text
    if sentence.speaker is Speaker.CUSTOMER and text.endswith("?"):
        return True
    if rules.conversation.support.search(text) or rules.problem_cues.search(text):
        return True
    cues = rules.resolution_cues.values()
    return any(pattern.search(text) for patterns in cues for pattern in patterns)


def objections(sentences: Sequence[Sentence], rules: LanguageRules) -> list[str]:
    """The customer's sentences that push back (price, budget, fit), in call order."""
    pattern = rules.conversation.objections
    found = [s.text for s in customer_side(sentences) if pattern.search(s.text)]
    return list(dict.fromkeys(found))[:MAX_OBJECTIONS]


def competitors(sentences: Sequence[Sentence], rules: LanguageRules) -> list[str]:
    """Product or company names said as what the customer uses or is offered instead."""
    cues = rules.conversation
    matches = (match for s in sentences for match in cues.competitor.finditer(s.text))
    names = (match[match.lastgroup] for match in matches if match.lastgroup)
    kept = (name for name in names if name.lower() not in cues.not_names)
    return list(dict.fromkeys(kept))


def deal_reading(sentences: Sequence[Sentence], rules: LanguageRules) -> DealReading:
    """The customer's last buying or walking-away signal; neutral when there is none.

    At-risk cues are tried first, since "not interested" contains a positive cue's words.
    """
    signals = rules.conversation.deal_signals
    order = (DealSignal.AT_RISK, DealSignal.POSITIVE)
    reading = DealReading(DealSignal.NEUTRAL)
    for sentence in customer_side(sentences):
        signal = next((s for s in order if s in signals and signals[s].search(sentence.text)), None)
        if signal is not None:
            reading = DealReading(signal, sentence)
    return reading
