"""Calls as a person works with them: create from an upload, find, list, approve, retry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, func, select

from agent.auth.keys import Principal
from agent.calls.intake import SizeLimitedSink, check_audio
from agent.core.call_states import CallStatus, move
from agent.core.domain import (
    ChannelMap,
    ConversationType,
    Direction,
    check_language,
    parse_channel_map,
)
from agent.core.emails import EmailAddress
from agent.core.errors import Conflict, NotFound
from agent.core.moments import EventTime
from agent.core.ports import AudioSink, AudioStore
from agent.core.tables import Call, Customer, Summary, TranscriptSegment, User, utcnow
from agent.core.transactions import after_rollback


class PartiesMetadata(BaseModel):
    """Who took part in a conversation, when, and the CRM records it belongs to; every field is
    optional. A recording's upload and a text conversation both carry these."""

    customer_name: str | None = Field(None, max_length=200)
    customer_crm_id: str | None = Field(None, max_length=64)
    customer_email: EmailAddress | None = Field(None, max_length=320)
    customer_phone: str | None = Field(None, max_length=40)
    agent_name: str | None = Field(None, max_length=200)
    agent_email: EmailAddress | None = Field(None, max_length=320)
    direction: Direction = Direction.INBOUND
    started_at: EventTime | None = None
    crm_case_id: str | None = Field(None, max_length=64)
    crm_contact_id: str | None = Field(None, max_length=64)
    crm_account_id: str | None = Field(None, max_length=64)
    crm_opportunity_id: str | None = Field(
        None, max_length=64, description="The deal the call is about (a sales call)."
    )
    conversation_type: ConversationType | None = Field(
        None, description="What the call is: support, sales or other; none: decided from the words."
    )


class CallMetadata(PartiesMetadata):
    """What the uploader tells us about a recording; every field is optional."""

    channel_map: str | None = Field(
        None, description="Stereo speakers, left first (e.g. 'customer,agent'), or 'auto'."
    )
    language: str | None = Field(
        None, description="Force the spoken language, e.g. 'ja'; 'auto' (or none) detects it."
    )
    hotwords: str | None = Field(None, max_length=1000, description="Names to expect.")
    initial_prompt: str | None = Field(None, max_length=2000, description="Priming text.")

    @field_validator("channel_map")
    @classmethod
    def _channel_map_parses(cls, value: str | None) -> str | None:
        return parse_channel_map(value) if value else None

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        return check_language(value) if value else None


def create_call(
    session: Session,
    store: AudioStore,
    sink: AudioSink,
    filename: str,
    meta: CallMetadata,
    default_channel_map: ChannelMap | str,
    uploader: Principal | None = None,
) -> Call:
    """Keep the uploaded audio and add a call for it; if the transaction does not commit, the
    audio is deleted again, so nothing is left behind."""
    fmt = check_audio(sink, filename)
    call = Call(
        original_filename=filename[:255] or "recording",
        audio_key="",
        audio_sha256=sink.sha256,
        audio_bytes=sink.size,
        audio_format=fmt,
        channel_map=meta.channel_map or str(default_channel_map),
        asr_language=meta.language,
        hotwords=meta.hotwords,
        initial_prompt=meta.initial_prompt,
        **parties_columns(session, meta, uploader),
    )
    call.audio_key = f"{call.id[:2]}/{call.id}.{fmt}"
    sink.commit(call.audio_key)
    try:
        session.add(call)
        session.flush()
    except Exception:
        store.delete(call.audio_key)
        raise
    after_rollback(session, lambda: store.delete(call.audio_key))
    return call


def parties_columns(
    session: Session, meta: PartiesMetadata, uploader: Principal | None
) -> dict[str, Any]:
    """The call's columns that an upload and a text conversation fill alike: who, when, which
    way, and the CRM records named (the customer and the agent found or made)."""
    return {
        "conversation_type": meta.conversation_type.value if meta.conversation_type else None,
        "direction": meta.direction.value,
        "started_at": meta.started_at,
        "crm_case_id": meta.crm_case_id,
        "crm_contact_id": meta.crm_contact_id,
        "crm_account_id": meta.crm_account_id,
        "crm_opportunity_id": meta.crm_opportunity_id,
        "customer_id": customer_id(session, meta),
        "agent_id": agent_id(session, meta, uploader),
        "uploaded_by_key_id": uploader.key_id if uploader else None,
    }


def customer_id(session: Session, meta: PartiesMetadata) -> int | None:
    """The customer the upload names, by CRM id, name, email or phone; made if new."""
    name = meta.customer_name or meta.customer_crm_id or meta.customer_email or meta.customer_phone
    if not name:
        return None
    query = select(Customer)
    if meta.customer_crm_id:
        query = query.where(Customer.crm_id == meta.customer_crm_id)
    elif meta.customer_name:
        query = query.where(Customer.name == meta.customer_name, col(Customer.crm_id).is_(None))
    elif meta.customer_email:
        query = query.where(Customer.email == meta.customer_email)
    else:
        query = query.where(Customer.phone == meta.customer_phone)
    customer = session.exec(query).first() or Customer(name=name, crm_id=meta.customer_crm_id)
    customer.email = customer.email or meta.customer_email
    customer.phone = customer.phone or meta.customer_phone
    session.add(customer)
    session.flush()
    return customer.id


def agent_id(session: Session, meta: PartiesMetadata, uploader: Principal | None) -> int | None:
    if uploader is not None and not uploader.sees_all_calls:
        return uploader.user_id  # a rep's uploads are always their own calls
    if not (meta.agent_name or meta.agent_email):
        return None
    query = select(User)
    query = (
        query.where(User.email == meta.agent_email)
        if meta.agent_email
        else query.where(User.name == meta.agent_name)
    )
    user = session.exec(query).first()
    if user is None:
        user = User(name=meta.agent_name or meta.agent_email or "", email=meta.agent_email)
        session.add(user)
        session.flush()
    return user.id


@dataclass(frozen=True)
class CallFilters:
    status: CallStatus | None = None
    customer: str | None = None
    agent: str | None = None
    started_from: dt.datetime | None = None
    started_to: dt.datetime | None = None
    text: str | None = None


def visible_call(session: Session, call_id: str, principal: Principal | None) -> Call | None:
    """The call if it exists and ``principal`` may see it (None means a local operator)."""
    call = session.get(Call, call_id)
    if call is None or not _may_see(call, principal):
        return None
    return call


def _may_see(call: Call, principal: Principal | None) -> bool:
    return principal is None or principal.sees_all_calls or call.agent_id == principal.user_id


class CallSort(StrEnum):
    """The order of a call list: by when the call took place (or, unknown, was uploaded), or
    by when it was uploaded; newest or oldest first."""

    CALL_TIME_DESC = "call_time_desc"
    CALL_TIME_ASC = "call_time_asc"
    UPLOAD_TIME_DESC = "upload_time_desc"
    UPLOAD_TIME_ASC = "upload_time_asc"

    def order_by(self) -> tuple[Any, Any]:
        when = _call_time() if self.name.startswith("CALL") else col(Call.created_at)
        if self.name.endswith("DESC"):
            return when.desc(), col(Call.id)
        return when.asc(), col(Call.id)


def _call_time() -> Any:
    return func.coalesce(Call.started_at, Call.created_at)


def list_calls(
    session: Session,
    filters: CallFilters,
    principal: Principal,
    limit: int,
    offset: int,
    sort: CallSort = CallSort.UPLOAD_TIME_DESC,
) -> tuple[list[Call], int]:
    """A page of the calls ``principal`` may see, in ``sort`` order, and how many match."""
    query = select(Call)
    if not principal.sees_all_calls:
        query = query.where(Call.agent_id == principal.user_id)
    query = _apply_filters(query, filters)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(*sort.order_by()).offset(offset).limit(limit))
    return list(page), total


def _apply_filters(query, filters: CallFilters):  # type: ignore[no-untyped-def]
    if filters.status:
        query = query.where(Call.status == filters.status.value)
    if filters.customer:
        query = query.join(Customer, col(Customer.id) == Call.customer_id).where(
            (Customer.name == filters.customer) | (Customer.crm_id == filters.customer)
        )
    if filters.agent:
        query = query.join(User, col(User.id) == Call.agent_id).where(
            (User.name == filters.agent) | (User.email == filters.agent)
        )
    if filters.text:
        query = query.where(_transcript_mentions(filters.text))
    when = _call_time()
    if filters.started_from:
        query = query.where(when >= filters.started_from)
    if filters.started_to:
        query = query.where(when < filters.started_to)
    return query


def _transcript_mentions(text: str) -> ColumnElement[bool]:
    """Calls whose transcript contains ``text``, case-insensitively; wildcards are literal."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return exists(
        select(TranscriptSegment.id).where(
            TranscriptSegment.call_id == Call.id,
            func.lower(TranscriptSegment.text).like(f"%{escaped}%", escape="\\"),
        )
    )


class CallStateError(Conflict):
    """The call is not in a state that allows the requested change."""


def require_visible(
    session: Session, call_id: str, principal: Principal | None, message: str
) -> Call:
    """The call if ``principal`` may see it; otherwise NotFound, so others' calls stay unknown."""
    call = visible_call(session, call_id, principal)
    if call is None:
        raise NotFound(message)
    return call


def require_visible_customer(
    session: Session, customer_id: int, principal: Principal, message: str
) -> Customer:
    """The customer if ``principal`` may see it, else NotFound: leads and admins see every
    customer, a rep only one that a call of their own belongs to."""
    customer = session.get(Customer, customer_id)
    if customer is None or not _customer_shown_to(session, customer_id, principal):
        raise NotFound(message)
    return customer


def _customer_shown_to(session: Session, customer_id: int, principal: Principal) -> bool:
    if principal.sees_all_calls:
        return True
    own_call = select(Call.id).where(
        Call.customer_id == customer_id, Call.agent_id == principal.user_id
    )
    return session.exec(own_call.limit(1)).first() is not None


def approve(session: Session, call: Call, approver: Principal | None) -> None:
    """A lead's approval of a reviewed call; it moves on to the CRM."""
    if call.status != CallStatus.REVIEW:
        raise CallStateError(f"only a call in review can be approved; this one is {call.status}")
    move(call, CallStatus.SYNCING)
    call.crm_outbox_filled_at = None
    call.approved_at = utcnow()
    call.approved_by_key_id = approver.key_id if approver else None
    session.add(call)


def retry(session: Session, call: Call) -> None:
    """Send a failed call back to the stage it failed in."""
    if call.status != CallStatus.FAILED:
        raise CallStateError(f"only a failed call can be retried; this one is {call.status}")
    move(call, _resume_status(session, call))
    call.crm_outbox_filled_at = None
    session.add(call)


def _resume_status(session: Session, call: Call) -> CallStatus:
    has_segments = session.exec(
        select(TranscriptSegment.id).where(TranscriptSegment.call_id == call.id).limit(1)
    ).first()
    if call.duration_s is None and has_segments is None:
        return CallStatus.QUEUED
    if session.get(Summary, call.id) is None:
        return CallStatus.SUMMARISING
    return CallStatus.SYNCING


READ_CHUNK_BYTES = 1024 * 1024


def create_call_from_file(
    session: Session,
    store: AudioStore,
    path: Path,
    meta: CallMetadata,
    default_channel_map: ChannelMap | str,
    max_bytes: int,
) -> Call:
    """Queue a call for a recording on disk, with the same checks as an upload."""
    with store.open_sink() as sink, path.open("rb") as source:
        SizeLimitedSink(sink, max_bytes).write_all(iter(lambda: source.read(READ_CHUNK_BYTES), b""))
        return create_call(session, store, sink, path.name, meta, default_channel_map)


def find_by_audio_hash(session: Session, sha256: str) -> Call | None:
    return session.exec(select(Call).where(Call.audio_sha256 == sha256)).first()
