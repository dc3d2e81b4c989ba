"""A processed call becomes a contact on a case, once its summary is approved."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from agent.core.domain import Resolution, Speaker
from agent.core.tables import Call, Summary, TranscriptSegment, User
from agent.kpis.cases import DEFAULT_CATEGORY, ContactFacts, add_contact
from agent.kpis.periods import KpiConfig
from agent.kpis.tables import Contact

SENTIMENT_SCORES = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def record_call_contact(session: Session, call: Call, config: KpiConfig) -> Contact | None:
    """Make the call a contact (once; a second run finds it). Calls without a summary are not."""
    existing = session.exec(select(Contact).where(Contact.call_id == call.id)).first()
    summary = session.get(Summary, call.id)
    if existing is not None or summary is None:
        return existing
    agent = session.get(User, call.agent_id) if call.agent_id else None
    facts = ContactFacts(
        started_at=call.started_at or call.created_at,
        customer_id=call.customer_id,
        agent_id=call.agent_id,
        team=agent.team if agent else None,
        category=issue_category(summary),
        talk_s=call.duration_s or 0.0,
        channel=call.channel,
        resolved=summary.resolution == Resolution.RESOLVED.value,
        escalated=summary.resolution == Resolution.ESCALATED.value,
        sentiment_change=sentiment_change(summary),
        talk_ratio=agent_talk_ratio(session, call.id),
        call_id=call.id,
        crm_case_id=call.crm_case_id,
    )
    return add_contact(session, facts, config)


def issue_category(summary: Summary) -> str:
    """The summary's category from the issue taxonomy; for summaries made before there was one,
    the category in its details, else its first topic, else general."""
    for named in (summary.issue_category, summary.details.get("issue_category")):
        if isinstance(named, str) and named.strip():
            return named.strip().lower()[:100]
    if summary.topics:
        return str(summary.topics[0]).strip().lower()[:100] or DEFAULT_CATEGORY
    return DEFAULT_CATEGORY


def sentiment_change(summary: Summary) -> float | None:
    """End minus start of the customer's sentiment, on -1 (negative), 0, +1 (positive)."""
    start = SENTIMENT_SCORES.get(str(summary.details.get("sentiment_start")))
    end = SENTIMENT_SCORES.get(str(summary.details.get("sentiment_end")))
    return None if start is None or end is None else end - start


def agent_talk_ratio(session: Session, call_id: str) -> float | None:
    """The agent's share of the speaking time; None when speakers are unknown (mono calls)."""
    segment = TranscriptSegment
    spoken = dict(
        session.exec(
            select(segment.speaker, func.sum(col(segment.end_s) - col(segment.start_s)))
            .where(segment.call_id == call_id)
            .group_by(col(segment.speaker))
        ).all()
    )
    agent = float(spoken.get(Speaker.AGENT.value) or 0.0)
    total = agent + float(spoken.get(Speaker.CUSTOMER.value) or 0.0)
    return agent / total if total > 0 else None
