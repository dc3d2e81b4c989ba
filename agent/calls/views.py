"""Read models: the call as the API, the CLI and other tools see it (DESIGN.md's contract)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from agent.calls.exports import TranscriptDocument
from agent.calls.speaker_view import SpeakerView
from agent.calls.speakers import speakers_of, transcript_labels
from agent.core.domain import ConversationChannel, OutboxStatus, Speaker, Utterance
from agent.core.tables import (
    ActionItem,
    Call,
    CrmOutbox,
    Customer,
    Summary,
    TranscriptSegment,
    User,
)
from agent.processing.pipeline import stored_words


class SegmentView(BaseModel):
    start: float
    end: float
    speaker: str
    text: str


class TranscriptView(BaseModel):
    segments: list[SegmentView]
    speaker_roles: str | None = None


class SummaryView(BaseModel):
    text: str
    key_points: list[str]
    conversation_type: str
    resolution: str | None
    resolution_evidence: str | None
    resolution_at_s: float | None
    sentiment: str
    sentiment_start: str | None
    sentiment_end: str | None
    topics: list[str]
    issue_category: str | None
    issue_category_confidence: float | None
    next_steps: list[str]
    objections: list[str]
    competitors: list[str]
    deal_signal: str | None
    deal_evidence: str | None
    language: str | None
    engine: str
    model: str
    prompt_version: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    llm_input: str | None
    details: dict[str, Any]


class ActionItemView(BaseModel):
    id: str
    description: str
    owner: str
    owner_role: str | None = None
    due_date: dt.date | None
    priority: str
    status: str

    @property
    def owner_label(self) -> str:
        """``Sam Lee (agent)``: the owner with the role beside the name, as owners are picked."""
        if self.owner_role and self.owner_role != self.owner:
            return f"{self.owner} ({self.owner_role})"
        return self.owner


class CrmRecordView(BaseModel):
    object_type: str
    external_id: str
    crm_id: str | None
    status: str
    error: str | None
    attempts: int
    next_attempt_at: dt.datetime | None


class CrmView(BaseModel):
    status: str
    hold_reason: str | None
    contact_id: str | None
    account_id: str | None
    case_id: str | None
    owner_id: str | None = None
    opportunity_id: str | None = None
    records: list[CrmRecordView]


class CallSummaryRow(BaseModel):
    """One line of a call list: no transcript."""

    id: str
    status: str
    failure_reason: str | None
    channel: str = Field(description="voice for a recording; chat, email or sms for a text.")
    filename: str
    customer: str | None
    agent: str | None
    direction: str
    started_at: dt.datetime | None
    created_at: dt.datetime
    language: str | None
    duration_s: float | None


class AsrOptionsView(BaseModel):
    """Speech recognition choices made with the upload; None means the global setting."""

    channel_map: str
    language: str | None
    hotwords: str | None
    initial_prompt: str | None


class AudioView(BaseModel):
    """The recording as it was received; a text conversation has none."""

    format: str
    size_bytes: int
    url: str


class CallDetail(CallSummaryRow):
    audio: AudioView | None
    asr_options: AsrOptionsView
    speakers: list[SpeakerView]
    transcript: TranscriptView
    summary: SummaryView | None
    action_items: list[ActionItemView]
    metrics: dict[str, Any]
    crm: CrmView


class CallPage(BaseModel):
    items: list[CallSummaryRow]
    total: int
    limit: int
    offset: int


def call_row(session: Session, call: Call) -> CallSummaryRow:
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    agent = session.get(User, call.agent_id) if call.agent_id else None
    return CallSummaryRow(
        id=call.id,
        status=call.status,
        failure_reason=call.failure_reason,
        channel=call.channel,
        filename=call.original_filename,
        customer=customer.name if customer else None,
        agent=agent.name if agent else None,
        direction=call.direction,
        started_at=call.started_at,
        created_at=call.created_at,
        language=call.language,
        duration_s=call.duration_s,
    )


def call_detail(session: Session, call: Call) -> CallDetail:
    """Everything known about a call, in the shape DESIGN.md promises."""
    return CallDetail(
        **call_row(session, call).model_dump(),
        audio=_audio(call),
        asr_options=AsrOptionsView(
            channel_map=call.channel_map,
            language=call.asr_language,
            hotwords=call.hotwords,
            initial_prompt=call.initial_prompt,
        ),
        speakers=speakers_of(call, transcript_labels(session, call.id)),
        transcript=TranscriptView(
            segments=_segments(session, call.id), speaker_roles=call.speaker_roles
        ),
        summary=_summary(session, call.id),
        action_items=_action_items(session, call.id),
        metrics=call.metrics or {},
        crm=_crm(session, call),
    )


def _audio(call: Call) -> AudioView | None:
    if not has_audio(call):
        return None
    return AudioView(
        format=call.audio_format, size_bytes=call.audio_bytes, url=f"/api/v1/calls/{call.id}/audio"
    )


def has_audio(call: Call) -> bool:
    """A recording has audio; a chat, email or SMS conversation has none."""
    return ConversationChannel(call.channel) is ConversationChannel.VOICE


def transcript_document(session: Session, call: Call) -> TranscriptDocument:
    """The call's transcript with word timestamps, for export."""
    utterances = [
        Utterance(r.start_s, r.end_s, Speaker(r.speaker), r.text, stored_words(r))
        for r in _segment_rows(session, call.id)
    ]
    labels = dict.fromkeys(u.speaker.value for u in utterances)
    return TranscriptDocument(
        call.id,
        call.language,
        call.duration_s,
        call.speaker_roles,
        utterances,
        speakers_of(call, labels),
    )


def _segment_rows(session: Session, call_id: str) -> list[TranscriptSegment]:
    return list(
        session.exec(
            select(TranscriptSegment)
            .where(TranscriptSegment.call_id == call_id)
            .order_by(col(TranscriptSegment.position))
        )
    )


def _segments(session: Session, call_id: str) -> list[SegmentView]:
    return [
        SegmentView(start=r.start_s, end=r.end_s, speaker=r.speaker, text=r.text)
        for r in _segment_rows(session, call_id)
    ]


def _summary(session: Session, call_id: str) -> SummaryView | None:
    row = session.get(Summary, call_id)
    return SummaryView.model_validate(row, from_attributes=True) if row else None


def _action_items(session: Session, call_id: str) -> list[ActionItemView]:
    rows = session.exec(
        select(ActionItem).where(ActionItem.call_id == call_id).order_by(col(ActionItem.position))
    )
    return [ActionItemView.model_validate(r, from_attributes=True) for r in rows]


def _crm(session: Session, call: Call) -> CrmView:
    rows = list(
        session.exec(
            select(CrmOutbox).where(CrmOutbox.call_id == call.id).order_by(col(CrmOutbox.id))
        )
    )
    records = [
        CrmRecordView(
            object_type=r.object_type,
            external_id=r.external_id,
            crm_id=r.crm_id,
            status=r.status,
            error=r.last_error,
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at,
        )
        for r in rows
    ]
    return CrmView(
        status=_crm_status(call, rows),
        hold_reason=call.crm_hold_reason,
        contact_id=call.crm_contact_id,
        account_id=call.crm_account_id,
        case_id=call.crm_case_id,
        owner_id=call.crm_owner_id,
        opportunity_id=call.crm_opportunity_id,
        records=records,
    )


def _crm_status(call: Call, rows: list[CrmOutbox]) -> str:
    if call.status == "unmatched":
        return "unmatched"
    if not rows:
        return "awaiting_review" if call.status == "review" else "not_synced"
    if any(r.status == OutboxStatus.FAILED for r in rows):
        return "failed"
    if all(r.status == OutboxStatus.WRITTEN for r in rows):
        return "synced"
    if any(r.status == OutboxStatus.PENDING and r.attempts for r in rows):
        return "retrying"
    return "pending"
