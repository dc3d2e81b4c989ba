"""The pipeline's stages: each takes a call id, re-reads the row, and is safe to run again."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, col, select

from agent.core.call_states import RESTING_STATUSES, CallStatus, move
from agent.core.domain import (
    AUTO_CHANNEL_MAP,
    ActionItemDraft,
    CallContext,
    ChannelMap,
    ConversationType,
    Direction,
    Speaker,
    SpeakerRoles,
    SummaryDraft,
    TranscribeOptions,
    Transcript,
    Utterance,
    Word,
)
from agent.core.ports import (
    AudioStore,
    Crm,
    EventPublisher,
    ProgressCallback,
    StageError,
    StageObserver,
    Summariser,
    Transcriber,
)
from agent.core.settings import SyncMode
from agent.core.tables import ActionItem, Call, Summary, TranscriptSegment
from agent.crm.sync import BatchPolicy, CrmSync, RetryPolicy, call_event
from agent.kpis.call_contacts import record_call_contact
from agent.kpis.periods import KpiConfig
from agent.processing.conversation_metrics import conversation_metrics
from agent.processing.leases import LeasePolicy, held, worker_name
from agent.processing.owners import named_owner, party_names
from agent.processing.speaker_roles import VOICE_SIDES, infer_roles, relabel

log = logging.getLogger(__name__)

STAGE_NAMES = {
    CallStatus.QUEUED: "transcription",
    CallStatus.TRANSCRIBING: "transcription",
    CallStatus.SUMMARISING: "summary",
    CallStatus.SYNCING: "CRM sync",
}


TRANSIENT_ERRORS = (OperationalError, InterfaceError)
"""The database went away or is busy: the stage is run again later; the call does not fail."""


class StageSkipped(Exception):
    """The call is gone, no longer in the state this stage works on, or another worker has it."""


@dataclass
class Pipeline:
    engine: Engine
    store: AudioStore
    transcriber: Transcriber
    summariser: Summariser
    crm: Crm
    sync_mode: SyncMode = SyncMode.AUTO
    events: EventPublisher | None = None
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    crm_batching: BatchPolicy = field(default_factory=BatchPolicy)
    kpi: KpiConfig = field(default_factory=KpiConfig)
    company_name: str | None = None
    fallback_channel_map: ChannelMap = field(default_factory=ChannelMap)
    observer: StageObserver | None = None
    lease: LeasePolicy = field(default_factory=LeasePolicy)
    worker: str = field(default_factory=worker_name)
    crm_sync: CrmSync = field(init=False)

    def __post_init__(self) -> None:
        self.crm_sync = CrmSync(
            self.engine, self.crm, self.events, self.retry_policy, batching=self.crm_batching
        )

    def advance(
        self,
        call_id: str,
        on_progress: ProgressCallback | None = None,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> CallStatus:
        """Run stages until the call rests (review, done or failed), another worker has it, or
        ``keep_going`` says stop before the next stage; returns where it stands then."""
        status = self._status(call_id)
        while status is not None and status not in RESTING_STATUSES and keep_going():
            new_status = self.run_stage(call_id, on_progress)
            if new_status is None or new_status == status:
                return new_status or status
            status = new_status
        return status or CallStatus.FAILED

    def run_stage(
        self, call_id: str, on_progress: ProgressCallback | None = None
    ) -> CallStatus | None:
        """Run the stage the call is due for under this worker's lease; returns the status the
        call is in afterwards, or None when the call is gone or another worker holds it.

        Raises one of ``TRANSIENT_ERRORS`` when the database failed; the call is left as it was.
        """
        status = self._status(call_id)
        if status is None or status in RESTING_STATUSES:
            return status
        with held(self.engine, call_id, (status,), self.worker, self.lease) as taken:
            if not taken:
                log.info("call %s: %s is with another worker", call_id, status.value)
                return None
            self._run_stage(call_id, status, on_progress)
        return self._status(call_id)

    def _run_stage(
        self, call_id: str, status: CallStatus, on_progress: ProgressCallback | None
    ) -> None:
        stages: dict[CallStatus, Callable[[], None]] = {
            CallStatus.QUEUED: lambda: self.transcribe(call_id, on_progress),
            CallStatus.TRANSCRIBING: lambda: self.transcribe(call_id, on_progress),
            CallStatus.SUMMARISING: lambda: self.summarise(call_id),
            CallStatus.SYNCING: lambda: self.sync(call_id),
        }
        started, outcome = time.perf_counter(), "done"
        try:
            stages[status]()
        except StageSkipped:
            outcome = "skipped"
            log.info("call %s: %s skipped, the call moved on", call_id, status.value)
        except TRANSIENT_ERRORS:
            raise
        except StageError as error:
            outcome = "failed"
            self._fail(call_id, f"{STAGE_NAMES[status]} failed: {error}")
        except Exception as error:
            outcome = "error"
            log.exception("call %s: unexpected error in %s", call_id, status.value)
            self._fail(
                call_id,
                f"{STAGE_NAMES[status]} failed unexpectedly ({type(error).__name__}: {error}); "
                "retry the call, and report it if it fails again",
            )
        if self.observer is not None:
            elapsed = time.perf_counter() - started
            self.observer.stage_finished(STAGE_NAMES[status], elapsed, outcome)

    def status_of(self, call_id: str) -> CallStatus | None:
        """The call's status now, or None when there is no such call."""
        return self._status(call_id)

    def _status(self, call_id: str) -> CallStatus | None:
        with Session(self.engine) as session:
            call = session.get(Call, call_id)
            return CallStatus(call.status) if call else None

    def _fail(self, call_id: str, reason: str) -> None:
        with Session(self.engine) as session:
            call = session.get(Call, call_id)
            if call is not None:
                move(call, CallStatus.FAILED, reason=reason)
                session.add(call)
                session.commit()
        self.publish("call.failed", call_id)

    def transcribe(self, call_id: str, on_progress: ProgressCallback | None = None) -> None:
        """Speech to speaker-labelled segments; replaces any segments of an earlier attempt."""
        with Session(self.engine) as session:
            call = _claim(
                session, call_id, (CallStatus.QUEUED, CallStatus.TRANSCRIBING), self.worker
            )
            move(call, CallStatus.TRANSCRIBING)
            audio_key, options = call.audio_key, self._options(call)
            auto = call.channel_map == AUTO_CHANNEL_MAP
            direction = Direction(call.direction)
            session.commit()
        # Fetching the recording and recognising speech take long; no transaction stays open.
        with self.store.local_copy(audio_key) as audio_path:
            transcript = self.transcriber.transcribe(audio_path, options, on_progress)
        if transcript.channels < 2:
            utterances, roles, speakers = self._voices(transcript, direction)
        else:
            utterances, roles, speakers = self._speakers(transcript, options.channel_map, auto)
        metrics = conversation_metrics(utterances, transcript.duration_s, transcript.channels == 2)
        with Session(self.engine) as session:
            call = _claim(session, call_id, (CallStatus.TRANSCRIBING,), self.worker)
            session.exec(delete(TranscriptSegment).where(col(TranscriptSegment.call_id) == call_id))
            session.add_all(_segment_rows(call_id, utterances))
            call.language = transcript.language
            call.duration_s = transcript.duration_s
            call.speaker_roles = roles.value
            call.metrics = {**metrics, "speakers": speakers}
            move(call, CallStatus.SUMMARISING)
            session.commit()
        self.publish("call.transcribed", call_id)

    def _options(self, call: Call) -> TranscribeOptions:
        auto = call.channel_map == AUTO_CHANNEL_MAP
        return TranscribeOptions(
            channel_map=self.fallback_channel_map if auto else ChannelMap.parse(call.channel_map),
            language=call.asr_language,
            hotwords=call.hotwords,
            initial_prompt=call.initial_prompt,
        )

    def _speakers(
        self, transcript: Transcript, channel_map: ChannelMap, auto: bool
    ) -> tuple[list[Utterance], SpeakerRoles, dict[str, Any]]:
        """Speakers by channel, or inferred from what is said when the map is ``auto``."""
        roles, evidence = SpeakerRoles.CHANNELS, list[str]()
        utterances = transcript.utterances
        if auto:
            inference = infer_roles(transcript.utterances, self.company_name)
            roles = SpeakerRoles.DEFAULT
            if inference.channel_map is not None:
                roles, evidence = SpeakerRoles.INFERRED, inference.evidence
                channel_map = inference.channel_map
                utterances = relabel(utterances, channel_map)
        info = {"roles": roles.value, "channel_map": str(channel_map), "evidence": evidence}
        return utterances, roles, info

    def _voices(
        self, transcript: Transcript, direction: Direction
    ) -> tuple[list[Utterance], SpeakerRoles, dict[str, Any]]:
        """A mono call's speakers: two voices, the agent told by what it says, else by order."""
        info: dict[str, Any] = {}
        if transcript.channel_correlation is not None:
            info["reason"] = (
                "the two channels carry the same signal (correlation "
                f"{transcript.channel_correlation:.2f}): transcribed once, as mono"
            )
        if transcript.voices != 2:
            info["roles"] = SpeakerRoles.UNKNOWN.value
            info["voices"] = transcript.voices
            return _without_channel(transcript.utterances), SpeakerRoles.UNKNOWN, info
        inference = infer_roles(transcript.utterances, self.company_name, VOICE_SIDES)
        if inference.channel_map is not None:
            roles, channel_map, evidence = (
                SpeakerRoles.VOICES,
                inference.channel_map,
                inference.evidence,
            )
        else:
            roles, channel_map = SpeakerRoles.VOICE_ORDER, _first_voice_answers(direction)
            evidence = [
                f"no agent phrase heard: on an {direction.value} call the first voice "
                f"is the {channel_map.left.value}"
            ]
        utterances = _without_channel(relabel(transcript.utterances, channel_map))
        info.update(roles=roles.value, voices=2, evidence=evidence)
        return utterances, roles, info

    def summarise(self, call_id: str) -> None:
        """Summary and action items from the stored transcript; replaces an earlier attempt's."""
        with Session(self.engine) as session:
            call = _claim(session, call_id, (CallStatus.SUMMARISING,), self.worker)
            utterances, context = _utterances(session, call_id), _context(call)
        # A language model can take a minute; no transaction stays open while it works.
        draft = self.summariser.summarise(utterances, context)
        with Session(self.engine) as session:
            call = _claim(session, call_id, (CallStatus.SUMMARISING,), self.worker)
            session.exec(delete(ActionItem).where(col(ActionItem.call_id) == call_id))
            old_summary = session.get(Summary, call_id)
            if old_summary is not None:
                session.delete(old_summary)
            session.flush()
            session.add(_summary_row(call_id, draft))
            names = party_names(session, call)
            session.add_all(_action_item_rows(call_id, draft.action_items, names))
            auto = self.sync_mode == SyncMode.AUTO
            move(call, CallStatus.SYNCING if auto else CallStatus.REVIEW)
            call.crm_outbox_filled_at = None
            session.commit()
            resolution = draft.resolution.value if draft.resolution else None
            items = len(draft.action_items)
        self.publish("call.summarised", call_id, resolution=resolution, action_items=items)

    def sync(self, call_id: str) -> None:
        """Write the call and its action items to the CRM through the outbox, once each.

        The call waits in ``syncing`` with the calls of every worker until their writes are due
        together (``crm_batching``); this flushes them when they are, else the outbox's periodic
        flush does. Writes the CRM could not take now stay due and are sent after a backoff.
        """
        with Session(self.engine) as session:
            call = _claim(session, call_id, (CallStatus.SYNCING,), self.worker)
            # Syncing means the summary is approved: from now on the call counts in the KPIs.
            record_call_contact(session, call, self.kpi)
            session.commit()
        self.crm_sync.flush_if_due()

    def publish(self, event_type: str, call_id: str, **data: object) -> None:
        """Tell subscribers about a call; a failure to record the event never fails the call."""
        if self.events is None:
            return
        try:
            with Session(self.engine) as session:
                call = session.get(Call, call_id)
                event = call_event(event_type, call, **data) if call is not None else None
            if event is not None:
                self.events.publish([event])
        except Exception:
            log.exception("call %s: could not record event %s", call_id, event_type)


def _claim(session: Session, call_id: str, expected: tuple[CallStatus, ...], worker: str) -> Call:
    """The call, locked until the commit, if it is still due for this stage and no other worker
    holds it."""
    call = session.get(Call, call_id, with_for_update=True)
    if call is None or CallStatus(call.status) not in expected:
        raise StageSkipped(call_id)
    if call.lease_owner not in (None, worker):
        raise StageSkipped(call_id)
    return call


def _segment_rows(call_id: str, utterances: list[Utterance]) -> list[TranscriptSegment]:
    return [
        TranscriptSegment(
            call_id=call_id,
            position=position,
            start_s=round(u.start, 3),
            end_s=round(u.end, 3),
            speaker=u.speaker.value,
            text=u.text,
            words=[_word_json(w) for w in u.words] or None,
        )
        for position, u in enumerate(utterances)
    ]


def _word_json(word: Word) -> dict[str, Any]:
    return {"start": word.start, "end": word.end, "text": word.text, "p": word.probability}


def _utterances(session: Session, call_id: str) -> list[Utterance]:
    rows = session.exec(
        select(TranscriptSegment)
        .where(TranscriptSegment.call_id == call_id)
        .order_by(col(TranscriptSegment.position))
    )
    return [
        Utterance(r.start_s, r.end_s, Speaker(r.speaker), r.text, stored_words(r)) for r in rows
    ]


def stored_words(row: TranscriptSegment) -> tuple[Word, ...]:
    """The word timestamps kept with a segment."""
    return tuple(Word(w["start"], w["end"], w["text"], w.get("p", 1.0)) for w in row.words or [])


def _context(call: Call) -> CallContext:
    when = call.started_at or call.created_at
    kind = ConversationType(call.conversation_type) if call.conversation_type else None
    return CallContext(
        call_date=when.date(),
        language=call.language or "en",
        direction=Direction(call.direction),
        conversation_type=kind,
    )


def _summary_row(call_id: str, draft: SummaryDraft) -> Summary:
    return Summary(
        call_id=call_id,
        text=draft.text,
        key_points=list(draft.key_points),
        resolution=draft.resolution.value if draft.resolution else None,
        sentiment=draft.sentiment,
        topics=list(draft.topics),
        language=draft.language,
        resolution_evidence=draft.evidence.quote if draft.evidence else None,
        resolution_at_s=draft.evidence.timestamp_s if draft.evidence else None,
        sentiment_start=draft.sentiment_start,
        sentiment_end=draft.sentiment_end,
        issue_category=draft.issue_category,
        issue_category_confidence=draft.issue_category_confidence,
        conversation_type=draft.conversation_type.value,
        deal_signal=draft.deal_signal.value if draft.deal_signal else None,
        deal_evidence=draft.deal_evidence,
        next_steps=list(draft.next_steps),
        objections=list(draft.objections),
        competitors=list(draft.competitors),
        llm_input=draft.llm_input,
        details=dict(draft.extra),
        engine=draft.engine,
        model=draft.model,
        prompt_version=draft.prompt_version,
        input_tokens=draft.input_tokens,
        output_tokens=draft.output_tokens,
        cost_usd=draft.cost_usd,
    )


def _action_item_rows(
    call_id: str, drafts: list[ActionItemDraft], names: Mapping[str, str]
) -> list[ActionItem]:
    # Ids derive from the call and position, so a re-run of this stage keeps the same ids.
    return [
        _action_item_row(call_id, position, draft, names) for position, draft in enumerate(drafts)
    ]


def _action_item_row(
    call_id: str, position: int, draft: ActionItemDraft, names: Mapping[str, str]
) -> ActionItem:
    owner, role = named_owner(draft.owner, names)
    return ActionItem(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"callsight:{call_id}:{position}").hex,
        call_id=call_id,
        position=position,
        description=draft.description,
        owner=owner[:200],
        owner_role=role,
        due_date=draft.due_date,
        priority=draft.priority.value,
    )


def _first_voice_answers(direction: Direction) -> ChannelMap:
    """Whoever picks up speaks first: the agent on an inbound call, the customer on an outbound."""
    if direction is Direction.OUTBOUND:
        return ChannelMap(Speaker.CUSTOMER, Speaker.AGENT)
    return ChannelMap(Speaker.AGENT, Speaker.CUSTOMER)


def _without_channel(utterances: list[Utterance]) -> list[Utterance]:
    """Voices are not channels: a mono call's segments keep no channel number."""
    return [dataclasses.replace(u, channel=None) for u in utterances]
