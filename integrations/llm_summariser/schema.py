"""The answer a language model must give: a pydantic schema apart from the domain's types."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Feeling = Literal["positive", "neutral", "negative"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActionItemOut(_Strict):
    description: str = Field(min_length=1, max_length=500, description="What is to be done.")
    owner: str = Field(
        min_length=1,
        max_length=200,
        description='"agent", "customer", or the name of the person who will do it.',
    )
    due_date: str | None = Field(
        description="ISO date (YYYY-MM-DD) resolved against the call date, or null if none."
    )
    priority: Literal["high", "normal", "low"]

    @field_validator("due_date")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            dt.date.fromisoformat(value)
        return value


class ResolutionOut(_Strict):
    status: Literal["resolved", "unresolved", "escalated", "follow_up"]
    evidence: str | None = Field(description="A short verbatim quote from the transcript.")
    timestamp: float | None = Field(description="Seconds from the start of the quoted line.")


class DealOut(_Strict):
    signal: Literal["positive", "neutral", "at_risk"]
    evidence: str | None = Field(description="A short verbatim quote from the customer.")


class SentimentOut(_Strict):
    customer_start: Feeling
    customer_end: Feeling


class CallSummaryOut(_Strict):
    """Everything the summary prompt asks for."""

    conversation_type: Literal["support", "sales", "other"]
    summary: str = Field(min_length=1, max_length=4000)
    key_points: list[str] = Field(max_length=10)
    action_items: list[ActionItemOut] = Field(max_length=30)
    resolution: ResolutionOut | None = Field(description="Support conversations only; else null.")
    sentiment: SentimentOut
    topics: list[str] = Field(max_length=10)
    issue_category: str | None = Field(
        description="Support conversations: one category name from the list given; else null."
    )
    issue_category_confidence: float | None = Field(
        ge=0.0, le=1.0, description="How sure the category is, 0 to 1; null when it is null."
    )
    next_steps: list[str] = Field(max_length=10)
    objections: list[str] = Field(max_length=10, description="Sales calls only; else empty.")
    competitors: list[str] = Field(max_length=10, description="Sales calls only; else empty.")
    deal: DealOut | None = Field(description="Sales conversations only; else null.")
