"""CRM sync through the outbox: match calls to CRM records, then send due writes in batches.

Rows of many calls go out together, so a backlog costs a handful of API requests. Calls that
finish one at a time wait for each other: the work is flushed once ``BatchPolicy.records``
records wait, or once the oldest has waited ``BatchPolicy.window_s``. What waits is read from the
database, so the calls of every worker process count together. One flush runs at a time across
every process and host (a cluster lock); a flush that finds the lock taken leaves the work to the
holder and the next periodic flush. Should a row still go out twice, every write is an upsert by
external id (or an update of a stored CRM id).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.core.call_states import CallStatus, move
from agent.core.domain import CrmEvent, CrmLinks, CrmWrite, CrmWriteResult, MatchHint, OutboxStatus
from agent.core.locks import try_cluster_lock
from agent.core.ports import Crm, CrmUnavailable, EventPublisher, StageError
from agent.core.tables import Call, CrmOutbox, Summary, utcnow
from agent.crm import outbox_queries
from agent.crm import payloads as crm_payloads

log = logging.getLogger(__name__)
SENDING = "sent to the CRM; no answer recorded yet"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for writes the CRM could not take now."""

    base_s: float = 2.0
    cap_s: float = 900.0
    max_attempts: int = 10

    def delay_s(self, attempts: int, rng: random.Random) -> float:
        ceiling = min(self.cap_s, self.base_s * 2.0 ** max(attempts - 1, 0))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass(frozen=True)
class BatchPolicy:
    """When waiting CRM work is flushed: at ``records`` records, or once the oldest has waited
    ``window_s`` seconds (0: at once), or when a retry's backoff has run."""

    records: int = 200
    window_s: float = 0.0

    def due(self, pending: outbox_queries.PendingWork, now: dt.datetime) -> bool:
        if pending.oldest is None:
            return False
        waited = (now - pending.oldest).total_seconds()
        return pending.retries > 0 or pending.records >= self.records or waited >= self.window_s


@dataclass
class FlushReport:
    prepared: int = 0
    unmatched: int = 0
    sent: int = 0
    written: int = 0
    retrying: int = 0
    postponed: int = 0
    """Rows not sent because the CRM said it could not take writes now (outage, API limit)."""
    failed: int = 0
    done_calls: list[str] = field(default_factory=list)
    elsewhere: bool = False
    """Another process was flushing; it (or the next periodic flush) does this work."""


@dataclass(frozen=True)
class _Unprepared:
    """Calls waiting to be prepared, and what the CRM is asked about those not yet matched."""

    call_ids: list[str]
    hints: dict[str, MatchHint]


@dataclass(frozen=True)
class _Matched:
    links: dict[str, CrmLinks | None]
    error: str | None = None


@dataclass(frozen=True)
class _Sent:
    """An outbox row as it went out, to tell on return whether it changed meanwhile."""

    row_id: int
    call_id: str
    attempts: int
    write: CrmWrite

    @classmethod
    def of(cls, row: CrmOutbox) -> _Sent:
        assert row.id is not None
        # Only a row never handed to the CRM (no attempt, no error, no mark) cannot have
        # reached it.
        maybe_sent = row.attempts > 0 or row.last_error is not None
        write = CrmWrite(
            row.object_type, row.external_id, dict(row.payload), row.crm_id, maybe_sent
        )
        return cls(row.id, row.call_id, row.attempts, write)

    def matches(self, row: CrmOutbox) -> bool:
        return (
            row.status == OutboxStatus.PENDING
            and row.attempts == self.attempts
            and row.payload == self.write.fields
            and row.crm_id == self.write.crm_id
        )


class CrmSync:
    """Fills the outbox for calls waiting to sync and sends what is due."""

    def __init__(
        self,
        engine: Engine,
        crm: Crm,
        events: EventPublisher | None = None,
        policy: RetryPolicy | None = None,
        batch_size: int = 1000,
        rng: random.Random | None = None,
        batching: BatchPolicy | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine, self.crm, self.events = engine, crm, events
        self.policy = policy or RetryPolicy()
        self.batch_size = batch_size
        self.batching = batching or BatchPolicy()
        self.clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._match_failures, self._match_not_before = 0, 0.0
        self._write_failures = 0

    def flush(self) -> FlushReport:
        """Prepare every waiting call and send every due write now; returns what happened."""
        report = FlushReport()
        with self._lock, try_cluster_lock(self.engine, "crm-flush") as ours:
            if not ours:
                report.elsewhere = True
                return report
            touched = self._prepare_all(report)
            touched |= self._send_due(report)
            self._settle(touched, report)
        return report

    def flush_if_due(self) -> FlushReport | None:
        """Flush when enough work waits, or the oldest has waited long enough; else nothing."""
        return self.flush() if self.has_due_work() else None

    def has_due_work(self) -> bool:
        now = self.clock()
        with Session(self.engine) as session:
            pending = outbox_queries.pending_work(session, now)
        return self.batching.due(pending, now)

    def _prepare_all(self, report: FlushReport) -> set[str]:
        touched: set[str] = set()
        while True:
            batch = self._read_unprepared()
            if not batch.call_ids:
                return touched
            matched = self._match(batch.hints) if batch.hints else _Matched({})
            if matched is None:
                return touched
            prepared, stale = self._record_prepared(batch, matched, report)
            touched |= prepared
            # A call changed while the CRM was asked about it waits for the next flush.
            if stale or len(batch.call_ids) < self.batch_size:
                return touched

    def _read_unprepared(self) -> _Unprepared:
        with Session(self.engine) as session:
            calls = list(session.exec(outbox_queries.unprepared_calls().limit(self.batch_size)))
            hints = {
                call.id: crm_payloads.match_hint(session, call)
                for call in calls
                if call.crm_matched_at is None
            }
            return _Unprepared([call.id for call in calls], hints)

    def _match(self, hints: dict[str, MatchHint]) -> _Matched | None:
        """Each call's CRM links; None while the CRM is unavailable (backing off between tries)."""
        if time.monotonic() < self._match_not_before:
            return None
        try:
            links = self.crm.match(list(hints.values()))
        except CrmUnavailable as error:
            self._match_failures += 1
            delay = self.policy.delay_s(self._match_failures, self._rng)
            self._match_not_before = time.monotonic() + delay
            log.warning("CRM matching postponed by %.1f s: %s", delay, error)
            self._note_waiting(list(hints), error)
            return None
        except StageError as error:
            reason = f"CRM matching failed: {error}; fix the setting, then retry the call"
            return _Matched({}, reason)
        self._match_failures = 0
        return _Matched(dict(zip(hints, links, strict=True)))

    def _note_waiting(self, call_ids: list[str], error: CrmUnavailable) -> None:
        """Says on each call why it waits: it has no records yet to carry the error."""
        reason = f"waiting for the CRM, tried again after a backoff: {error}"
        with Session(self.engine) as session:
            for call in outbox_queries.locked_calls(session, call_ids):
                if call.status == CallStatus.SYNCING and call.crm_matched_at is None:
                    call.crm_hold_reason = reason
                    session.add(call)
            session.commit()

    def _record_prepared(
        self, batch: _Unprepared, matched: _Matched, report: FlushReport
    ) -> tuple[set[str], bool]:
        """Applies the links and fills the outbox of each call still as it was read."""
        prepared: set[str] = set()
        stale = False
        with Session(self.engine) as session:
            for call in outbox_queries.locked_calls(session, batch.call_ids):
                if call.status != CallStatus.SYNCING or call.crm_outbox_filled_at is not None:
                    continue  # another worker prepared it, or it moved on
                if not _still_as_read(session, call, batch):
                    stale = True
                    continue
                if call.id in batch.hints:
                    _apply_match(call, matched, report)
                if call.status == CallStatus.SYNCING:
                    self._fill_outbox(session, call)
                    report.prepared += 1
                session.add(call)
                prepared.add(call.id)
            session.commit()
        return prepared, stale

    def _fill_outbox(self, session: Session, call: Call) -> None:
        summary = session.get(Summary, call.id)
        if summary is None:
            _fail(call, "CRM sync failed: no summary to sync; retry the call to summarise it")
            return
        existing = {
            (row.object_type, row.external_id): row
            for row in session.exec(select(CrmOutbox).where(CrmOutbox.call_id == call.id))
        }
        comment = existing.get(("CaseComment", crm_payloads.comment_external_id(call)))
        comment_id = comment.crm_id if comment else None
        for write in crm_payloads.call_writes(session, call, summary, comment_id):
            row = existing.get((write.object_type, write.external_id))
            if row is None:
                row = CrmOutbox(
                    call_id=call.id,
                    crm=self.crm.name,
                    object_type=write.object_type,
                    external_id=write.external_id,
                    created_at=self.clock(),
                )
            if row.status != OutboxStatus.WRITTEN or row.payload != write.fields:
                row.payload, row.status = dict(write.fields), OutboxStatus.PENDING
                row.attempts, row.next_attempt_at = 0, None
            session.add(row)
        call.crm_outbox_filled_at = self.clock()

    def _send_due(self, report: FlushReport) -> set[str]:
        touched: set[str] = set()
        while True:
            sent = self._read_due()
            if not sent:
                return touched
            self._mark_sending([item for item in sent if not item.write.maybe_sent])
            try:
                results = self.crm.write([item.write for item in sent])
            except CrmUnavailable as error:
                self._postpone(error, report)
                return touched
            self._write_failures = 0
            self._record_sent(sent, results, report)
            touched.update(item.call_id for item in sent)
            report.sent += len(sent)

    def _mark_sending(self, first: list[_Sent]) -> None:
        """Notes on rows sent for the first time that they may reach the CRM, so that after a
        crash before their answer is recorded the next attempt looks for what they made."""
        if not first:
            return
        with Session(self.engine) as session:
            outbox_queries.mark_sending(session, [item.row_id for item in first], SENDING)
            session.commit()

    def _read_due(self) -> list[_Sent]:
        with Session(self.engine) as session:
            rows = session.exec(outbox_queries.due_rows(self.clock()).limit(self.batch_size))
            return [_Sent.of(row) for row in rows]

    def _postpone(self, error: CrmUnavailable, report: FlushReport) -> None:
        """The CRM takes no writes now: every due row waits, saying why. Attempts are not
        counted, so a long wait (a spent API limit) never makes a call fail."""
        self._write_failures += 1
        delay = self.policy.delay_s(self._write_failures, self._rng)
        log.warning("CRM writes postponed by %.1f s: %s", delay, error)
        now = self.clock()
        with Session(self.engine) as session:
            due = outbox_queries.due_row_ids(session, now)
            rows = outbox_queries.locked_rows(session, due)
            for row in rows.values():
                if row.status == OutboxStatus.PENDING:
                    row.last_error = str(error)
                    row.next_attempt_at = now + dt.timedelta(seconds=delay)
                    session.add(row)
                    report.postponed += 1
            session.commit()

    def _record_sent(
        self, sent: list[_Sent], results: list[CrmWriteResult], report: FlushReport
    ) -> None:
        """Records each result on its row, unless the row changed while the write was out."""
        with Session(self.engine) as session:
            rows = outbox_queries.locked_rows(session, [item.row_id for item in sent])
            for item, result in zip(sent, results, strict=True):
                row = rows.get(item.row_id)
                if row is None:
                    continue
                if item.matches(row):
                    self._record(row, result, report)
                elif result.ok:
                    # The new payload goes out again; it must update the record just made.
                    row.crm_id = row.crm_id or result.crm_id
                session.add(row)
            session.commit()

    def _record(self, row: CrmOutbox, result: CrmWriteResult, report: FlushReport) -> None:
        row.attempts += 1
        if result.ok:
            row.status, row.last_error, row.next_attempt_at = OutboxStatus.WRITTEN, None, None
            row.crm_id = result.crm_id or row.crm_id
            row.written_at = self.clock()
            report.written += 1
        elif result.retriable and row.attempts < self.policy.max_attempts:
            row.last_error = result.error
            delay = self.policy.delay_s(row.attempts, self._rng)
            row.next_attempt_at = self.clock() + dt.timedelta(seconds=delay)
            report.retrying += 1
        else:
            row.status, row.next_attempt_at = OutboxStatus.FAILED, None
            gave_up = f"gave up after {row.attempts} attempts: " if result.retriable else ""
            row.last_error = f"{gave_up}{result.error}"
            report.failed += 1

    def _settle(self, call_ids: Iterable[str], report: FlushReport) -> None:
        events: list[CrmEvent] = []
        with Session(self.engine) as session:
            for call_id in sorted(call_ids):
                call = session.get(Call, call_id, with_for_update=True)
                if call is None or call.status != CallStatus.SYNCING:
                    events += _held_or_failed_event(call)
                    continue
                if call.crm_outbox_filled_at is None:
                    continue  # changed since its outbox was filled: it is prepared again first
                rows = list(session.exec(select(CrmOutbox).where(CrmOutbox.call_id == call_id)))
                events += self._settle_call(call, rows, report)
                session.add(call)
            session.commit()
        if self.events is not None and events:
            self.events.publish(events)

    def _settle_call(
        self, call: Call, rows: list[CrmOutbox], report: FlushReport
    ) -> list[CrmEvent]:
        failed = [row for row in rows if row.status == OutboxStatus.FAILED]
        if failed:
            _fail(call, failure_reason(self.crm.name, failed))
            return [call_event("call.failed", call)]
        if rows and all(row.status == OutboxStatus.WRITTEN for row in rows):
            move(call, CallStatus.DONE)
            call.crm_hold_reason = None
            report.done_calls.append(call.id)
            records = [{"object_type": r.object_type, "crm_id": r.crm_id} for r in rows]
            return [call_event("call.synced", call, records=records)]
        return []


def call_event(event_type: str, call: Call, **data: object) -> CrmEvent:
    """An outbound event about a call, with a fresh id."""
    body: dict[str, object] = {"call_id": call.id, "status": call.status, **data}
    if call.failure_reason:
        body["failure_reason"] = call.failure_reason
    return CrmEvent(event_id=uuid.uuid4().hex, event_type=event_type, data=body)


def _held_or_failed_event(call: Call | None) -> list[CrmEvent]:
    if call is not None and call.status == CallStatus.FAILED:
        return [call_event("call.failed", call)]
    return []


def _still_as_read(session: Session, call: Call, batch: _Unprepared) -> bool:
    hint = batch.hints.get(call.id)
    if hint is None:
        return call.crm_matched_at is not None
    return call.crm_matched_at is None and crm_payloads.match_hint(session, call) == hint


def _apply_match(call: Call, matched: _Matched, report: FlushReport) -> None:
    if matched.error is not None:
        _fail(call, matched.error)
        report.failed += 1
        return
    found = matched.links.get(call.id)
    if found is None:
        _hold(call)
        report.unmatched += 1
    else:
        _apply_links(call, found)


def _apply_links(call: Call, links: CrmLinks) -> None:
    call.crm_contact_id = links.contact_id or call.crm_contact_id
    call.crm_account_id = links.account_id or call.crm_account_id
    call.crm_case_id = links.case_id or call.crm_case_id
    call.crm_opportunity_id = links.opportunity_id or call.crm_opportunity_id
    call.crm_owner_id = links.owner_id
    call.crm_matched_at, call.crm_hold_reason = utcnow(), None


def _hold(call: Call) -> None:
    move(call, CallStatus.UNMATCHED)
    call.crm_hold_reason = (
        "no CRM Contact or Account matches this call's customer (phone, email or CRM ids); "
        "link it with POST /api/v1/calls/{id}/crm-links, then it syncs"
    ).replace("{id}", call.id)


def _fail(call: Call, reason: str) -> None:
    move(call, CallStatus.FAILED, reason=reason)


def failure_reason(crm_name: str, unwritten: Sequence[CrmOutbox]) -> str:
    first = unwritten[0]
    return (
        f"CRM sync failed: the {crm_name} CRM rejected {len(unwritten)} record(s), first "
        f"{first.object_type} {first.external_id}: {first.last_error}; "
        "fix the record or wait for the CRM, then retry the call"
    )
