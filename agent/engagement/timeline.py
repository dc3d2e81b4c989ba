"""A customer's story in time order, newest first: calls, survey answers and revenue events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from agent.core.tables import Call, Summary
from agent.engagement.tables import AMOUNT_SCALE, CustomerLifecycle, RevenueEvent
from agent.kpis.periods import aware, from_epoch
from agent.kpis.tables import Survey


class Happening(StrEnum):
    CALL = "call"
    SURVEY = "survey"
    REVENUE = "revenue"


@dataclass(frozen=True)
class CallMention:
    call_id: str
    filename: str
    status: str
    summary: str | None
    resolution: str | None
    sentiment: str | None
    language: str | None = None  # what the call was spoken in, so its summary is tagged so


@dataclass(frozen=True)
class SurveyAnswer:
    csat: int | None
    nps: int | None
    ces: int | None


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class TimelineItem:
    kind: Happening
    at: dt.datetime
    detail: CallMention | SurveyAnswer | Payment


@dataclass(frozen=True)
class Timeline:
    items: list[TimelineItem]
    total: int


def timeline(
    session: Session, customer_id: int, rep_user_id: int | None, limit: int, offset: int = 0
) -> Timeline:
    """Items ``offset`` to ``offset + limit`` of the customer's timeline, and how many there are.

    A rep (``rep_user_id``) sees what the KPIs show them: their own calls and the survey answers
    about their own contacts, and no revenue (the whole company's, as in docs/engagement.md).
    """
    newest = offset + limit
    sources = [
        _calls(session, customer_id, rep_user_id, newest),
        _surveys(session, customer_id, rep_user_id, newest),
    ]
    if rep_user_id is None:
        sources.append(_revenue(session, customer_id, newest))
    merged = sorted((item for items, _ in sources for item in items), key=_newest_first)
    return Timeline(merged[offset:newest], sum(count for _, count in sources))


def _newest_first(item: TimelineItem) -> tuple[float, str]:
    return -item.at.timestamp(), item.kind.value


def _count(session: Session, query: Any) -> int:
    return int(session.exec(select(func.count()).select_from(query.subquery())).one())


def _calls(
    session: Session, customer_id: int, rep_user_id: int | None, newest: int
) -> tuple[list[TimelineItem], int]:
    when = func.coalesce(Call.started_at, Call.created_at)
    query = (
        select(Call, Summary.text, Summary.resolution, Summary.sentiment)
        .outerjoin(Summary, col(Summary.call_id) == Call.id)
        .where(Call.customer_id == customer_id)
    )
    if rep_user_id is not None:
        query = query.where(Call.agent_id == rep_user_id)
    items = [
        TimelineItem(
            Happening.CALL,
            aware(call.started_at or call.created_at),
            CallMention(
                call.id,
                call.original_filename,
                call.status,
                text,
                resolution,
                sentiment,
                call.language,
            ),
        )
        for call, text, resolution, sentiment in session.exec(
            query.order_by(when.desc(), col(Call.id)).limit(newest)
        )
    ]
    return items, _count(session, query)


def _surveys(
    session: Session, customer_id: int, rep_user_id: int | None, newest: int
) -> tuple[list[TimelineItem], int]:
    query = select(Survey).where(Survey.customer_id == customer_id)
    if rep_user_id is not None:
        query = query.where(Survey.agent_id == rep_user_id)
    items = [
        TimelineItem(
            Happening.SURVEY,
            from_epoch(survey.responded_ts),
            SurveyAnswer(survey.csat, survey.nps, survey.ces),
        )
        for survey in session.exec(
            query.order_by(col(Survey.responded_ts).desc(), col(Survey.id)).limit(newest)
        )
    ]
    return items, _count(session, query)


def _revenue(session: Session, customer_id: int, newest: int) -> tuple[list[TimelineItem], int]:
    query = (
        select(RevenueEvent)
        .join(CustomerLifecycle, col(CustomerLifecycle.id) == RevenueEvent.lifecycle_id)
        .where(CustomerLifecycle.customer_id == customer_id)
    )
    items = [
        TimelineItem(
            Happening.REVENUE,
            from_epoch(event.occurred_ts),
            Payment(Decimal(event.amount_e4) / AMOUNT_SCALE, event.currency),
        )
        for event in session.exec(
            query.order_by(col(RevenueEvent.occurred_ts).desc(), col(RevenueEvent.id)).limit(newest)
        )
    ]
    return items, _count(session, query)
