"""Database tables. API schemas and domain types are separate; these are storage only."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy import Enum as SqlEnum
from sqlmodel import Field, SQLModel

from agent.core.call_states import CallStatus
from agent.core.domain import DeliveryStatus, OutboxStatus

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def status_column(kind: type[enum.StrEnum]) -> Column[Any]:
    """A status stored by its value in a 16-character text column, read back as the enum."""
    stored = SqlEnum(
        kind,
        native_enum=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
    return Column(stored, nullable=False)


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    crm_id: str | None = Field(default=None, max_length=64, unique=True)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    created_at: dt.datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person who handles calls (agent, rep) or reviews them (lead)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    email: str | None = Field(default=None, max_length=320, unique=True)
    team: str | None = Field(default=None, max_length=100)
    crm_user_id: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    prefix: str = Field(max_length=16, unique=True)
    secret_hash: str = Field(max_length=64)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class Call(SQLModel, table=True):
    __table_args__ = (Index("ix_call_status_created_at", "status", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    status: CallStatus = Field(default=CallStatus.QUEUED, sa_column=status_column(CallStatus))
    failure_reason: str | None = None
    # voice for a recording; chat, email or sms for a text conversation, which has no audio.
    channel: str = Field(default="voice", max_length=16)
    original_filename: str = Field(max_length=255)
    audio_key: str = Field(max_length=255)
    audio_sha256: str = Field(max_length=64, index=True)
    audio_bytes: int
    audio_format: str = Field(max_length=32)
    channel_map: str = Field(max_length=32)
    language: str | None = Field(default=None, max_length=16)
    # Speech recognition choices made with the upload (None: the global setting applies).
    asr_language: str | None = Field(default=None, max_length=16)
    hotwords: str | None = Field(default=None, max_length=1000)
    initial_prompt: str | None = Field(default=None, max_length=2000)
    # The uploader's word on what the conversation is (support, sales, other); None: decide.
    conversation_type: str | None = Field(default=None, max_length=16)
    speaker_roles: str | None = Field(default=None, max_length=16)
    # A lead's names for the speakers, by transcript label: {"agent": {"name": .., "role": ..}}.
    speaker_names: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    metrics: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    duration_s: float | None = None
    direction: str = Field(max_length=16, default="inbound")
    started_at: dt.datetime | None = None
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    uploaded_by_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    crm_case_id: str | None = Field(default=None, max_length=64)
    crm_contact_id: str | None = Field(default=None, max_length=64)
    crm_account_id: str | None = Field(default=None, max_length=64)
    crm_opportunity_id: str | None = Field(default=None, max_length=64)
    approved_at: dt.datetime | None = None
    crm_owner_id: str | None = Field(default=None, max_length=64)
    crm_matched_at: dt.datetime | None = None
    crm_outbox_filled_at: dt.datetime | None = None
    crm_hold_reason: str | None = None
    approved_by_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    # The worker working on the call holds a lease it renews; an expired one frees the call.
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_expires_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class TranscriptSegment(SQLModel, table=True):
    __tablename__ = "transcript_segment"
    __table_args__ = (UniqueConstraint("call_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", max_length=32)
    position: int
    start_s: float
    end_s: float
    speaker: str = Field(max_length=16)
    text: str
    words: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Summary(SQLModel, table=True):
    call_id: str = Field(foreign_key="call.id", primary_key=True, max_length=32)
    text: str
    key_points: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    resolution: str | None = Field(default=None, max_length=16)  # support conversations only
    sentiment: str = Field(max_length=16)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str | None = Field(default=None, max_length=16)
    resolution_evidence: str | None = None
    resolution_at_s: float | None = None
    sentiment_start: str | None = Field(default=None, max_length=16)
    sentiment_end: str | None = Field(default=None, max_length=16)
    issue_category: str | None = Field(default=None, max_length=100)
    issue_category_confidence: float | None = None
    conversation_type: str = Field(max_length=16, default="support")
    deal_signal: str | None = Field(default=None, max_length=16)
    deal_evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    next_steps: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    objections: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    competitors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    llm_input: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    engine: str = Field(max_length=32)
    model: str = Field(max_length=100)
    prompt_version: str = Field(max_length=32)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    created_at: dt.datetime = Field(default_factory=utcnow)


class ActionItem(SQLModel, table=True):
    __tablename__ = "action_item"
    __table_args__ = (UniqueConstraint("call_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    call_id: str = Field(foreign_key="call.id", max_length=32)
    position: int
    description: str
    owner: str = Field(max_length=200)
    owner_role: str | None = Field(default=None, max_length=16)  # agent, customer, or None
    due_date: dt.date | None = None
    priority: str = Field(max_length=16, default="normal")
    status: str = Field(max_length=16, default="open")


class CrmOutbox(SQLModel, table=True):
    """One CRM write: created before it is sent, so a crash never loses or doubles it."""

    __tablename__ = "crm_outbox"
    __table_args__ = (
        UniqueConstraint("crm", "object_type", "external_id"),
        Index("ix_crm_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", max_length=32, index=True)
    crm: str = Field(max_length=32)
    object_type: str = Field(max_length=64)
    external_id: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: OutboxStatus = Field(
        default=OutboxStatus.PENDING, sa_column=status_column(OutboxStatus)
    )
    crm_id: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    written_at: dt.datetime | None = None


class WebSession(SQLModel, table=True):
    """A browser sign-in: an API key exchanged for a cookie; only the token's hash is stored."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    key_id: int = Field(foreign_key="api_key.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime


class LlmCache(SQLModel, table=True):
    """A language model's validated answer, keyed by transcript hash, prompt version and model."""

    __tablename__ = "llm_cache"

    key: str = Field(primary_key=True, max_length=64)
    model: str = Field(max_length=100)
    prompt_version: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class InboundEvent(SQLModel, table=True):
    """A webhook event we accepted, kept so a replay of the same event id changes nothing."""

    __tablename__ = "inbound_event"

    id: str = Field(primary_key=True, max_length=200)
    source: str = Field(max_length=32)
    event_type: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    outcome: str | None = None
    received_at: dt.datetime = Field(default_factory=utcnow)


class CrmCase(SQLModel, table=True):
    """What the CRM told us about a case through its webhooks."""

    __tablename__ = "crm_case"

    crm_id: str = Field(primary_key=True, max_length=64)
    number: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=64, index=True)
    subject: str | None = None
    closed_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow)


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription: its attempts and outcome (the delivery log)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscription.id", index=True)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_column=status_column(DeliveryStatus)
    )
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    delivered_at: dt.datetime | None = None
