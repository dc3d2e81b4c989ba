"""CRM sync through the outbox: match calls to CRM records, then send due writes in batches.

Rows of many calls go out together, so a backlog costs a handful of API requests. One flush runs
at a time in a process; across processes a row sent twice is harmless because every write is an
upsert by external id (or an update of a stored CRM id).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from agent.core.call_states import CallStatus, move
from agent.core.domain import CrmEvent, CrmLinks, CrmWrite, CrmWriteResult, MatchHint, OutboxStatus
from agent.core.ports import Crm, CrmUnavailable, EventPublisher, StageError
from agent.core.tables import ActionItem, Call, CrmOutbox, Customer, Summary, User, utcnow
from agent.crm import payloads as crm_payloads

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for writes the CRM could not take now."""

    base_s: float = 2.0
    cap_s: float = 900.0
    max_attempts: int = 10

    def delay_s(self, attempts: int, rng: random.Random) -> float:
        ceiling = min(self.cap_s, self.base_s * 2.0 ** max(attempts - 1, 0))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass
class FlushReport:
    prepared: int = 0
    unmatched: int = 0
    sent: int = 0
    written: int = 0
    retrying: int = 0
    failed: int = 0
    done_calls: list[str] = field(default_factory=list)


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
    ) -> None:
        self.engine, self.crm, self.events = engine, crm, events
        self.policy = policy or RetryPolicy()
        self.batch_size = batch_size
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._match_failures, self._match_not_before = 0, 0.0

    def flush(self) -> FlushReport:
        """Prepare every waiting call and send every due write; returns what happened."""
        report = FlushReport()
        with self._lock:
            touched = self._prepare_all(report)
            touched |= self._send_due(report)
            self._settle(touched, report)
        return report

    def flush_if_due(self) -> FlushReport | None:
        """Flush when a call waits to be prepared or a write is due; else do nothing."""
        return self.flush() if self.has_due_work() else None

    def has_due_work(self) -> bool:
        with Session(self.engine) as session:
            return bool(session.exec(_unprepared().limit(1)).first()) or bool(
                session.exec(_due_rows(utcnow()).limit(1)).first()
            )

    def _prepare_all(self, report: FlushReport) -> set[str]:
        touched: set[str] = set()
        while True:
            with Session(self.engine) as session:
                calls = list(session.exec(_unprepared().limit(self.batch_size)))
                call_ids = [call.id for call in calls]
                if not calls or not self._prepare(session, calls, report):
                    return touched
                session.commit()
            touched.update(call_ids)
            if len(call_ids) < self.batch_size:
                return touched

    def _prepare(self, session: Session, calls: list[Call], report: FlushReport) -> bool:
        waiting = [call for call in calls if call.crm_matched_at is None]
        links = self._match(session, waiting, report) if waiting else {}
        if links is None:
            return False
        for call in waiting:
            found = links.get(call.id)
            if call.status == CallStatus.FAILED.value:
                continue
            if found is None:
                _hold(call)
                report.unmatched += 1
            else:
                _apply_links(call, found)
        for call in calls:
            if call.status == CallStatus.SYNCING.value:
                self._fill_outbox(session, call)
                report.prepared += 1
        return True

    def _match(
        self, session: Session, waiting: list[Call], report: FlushReport
    ) -> dict[str, CrmLinks | None] | None:
        """Each call's CRM links; None while the CRM is unavailable (backing off between tries)."""
        if time.monotonic() < self._match_not_before:
            return None
        try:
            links = self.crm.match([_hint(session, call) for call in waiting])
        except CrmUnavailable as error:
            self._match_failures += 1
            delay = self.policy.delay_s(self._match_failures, self._rng)
            self._match_not_before = time.monotonic() + delay
            log.warning("CRM matching postponed by %.1f s: %s", delay, error)
            return None
        except StageError as error:
            for call in waiting:
                _fail(call, f"CRM matching failed: {error}; fix the setting, then retry the call")
            report.failed += len(waiting)
            return {}
        self._match_failures = 0
        return {call.id: found for call, found in zip(waiting, links, strict=True)}

    def _fill_outbox(self, session: Session, call: Call) -> None:
        summary = session.get(Summary, call.id)
        if summary is None:
            _fail(call, "CRM sync failed: no summary to sync; retry the call to summarise it")
            return
        existing = {
            (row.object_type, row.external_id): row
            for row in session.exec(select(CrmOutbox).where(CrmOutbox.call_id == call.id))
        }
        for write in self._writes(session, call, summary, existing):
            row = existing.get((write.object_type, write.external_id))
            if row is None:
                row = CrmOutbox(
                    call_id=call.id,
                    crm=self.crm.name,
                    object_type=write.object_type,
                    external_id=write.external_id,
                )
            if row.status != OutboxStatus.WRITTEN or row.payload != write.fields:
                row.payload, row.status = dict(write.fields), OutboxStatus.PENDING
                row.attempts, row.next_attempt_at = 0, None
            session.add(row)
        call.crm_outbox_filled_at = utcnow()
        session.add(call)

    def _writes(
        self,
        session: Session,
        call: Call,
        summary: Summary,
        existing: dict[tuple[str, str], CrmOutbox],
    ) -> list[CrmWrite]:
        customer = session.get(Customer, call.customer_id) if call.customer_id else None
        items = session.exec(
            select(ActionItem)
            .where(ActionItem.call_id == call.id)
            .order_by(col(ActionItem.position))
        )
        writes = [crm_payloads.call_activity(call, summary, customer)]
        writes += [crm_payloads.follow_up_task(call, item, summary.resolution) for item in items]
        comment = existing.get(("CaseComment", crm_payloads.comment_external_id(call)))
        writes += crm_payloads.case_writes(call, summary, comment.crm_id if comment else None)
        return writes

    def _send_due(self, report: FlushReport) -> set[str]:
        touched: set[str] = set()
        while True:
            with Session(self.engine) as session:
                rows = list(session.exec(_due_rows(utcnow()).limit(self.batch_size)))
                if not rows:
                    return touched
                writes = [CrmWrite(r.object_type, r.external_id, r.payload, r.crm_id) for r in rows]
                for row, result in zip(rows, self.crm.write(writes), strict=True):
                    self._record(row, result, report)
                    session.add(row)
                touched.update(row.call_id for row in rows)
                session.commit()
            report.sent += len(writes)

    def _record(self, row: CrmOutbox, result: CrmWriteResult, report: FlushReport) -> None:
        row.attempts += 1
        if result.ok:
            row.status, row.last_error, row.next_attempt_at = OutboxStatus.WRITTEN, None, None
            row.crm_id = result.crm_id or row.crm_id
            row.written_at = utcnow()
            report.written += 1
        elif result.retriable and row.attempts < self.policy.max_attempts:
            row.last_error = result.error
            delay = self.policy.delay_s(row.attempts, self._rng)
            row.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
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
                call = session.get(Call, call_id)
                if call is None or call.status != CallStatus.SYNCING.value:
                    events += _held_or_failed_event(call)
                    continue
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
    if call is not None and call.status == CallStatus.FAILED.value:
        return [call_event("call.failed", call)]
    return []


def _unprepared() -> SelectOfScalar[Call]:
    return (
        select(Call)
        .where(Call.status == CallStatus.SYNCING.value, col(Call.crm_outbox_filled_at).is_(None))
        .order_by(col(Call.created_at), col(Call.id))
    )


def _due_rows(now: dt.datetime) -> SelectOfScalar[CrmOutbox]:
    return (
        select(CrmOutbox)
        .join(Call, col(Call.id) == CrmOutbox.call_id)
        .where(
            CrmOutbox.status == OutboxStatus.PENDING,
            Call.status == CallStatus.SYNCING.value,
            col(Call.crm_outbox_filled_at).is_not(None),
            or_(col(CrmOutbox.next_attempt_at).is_(None), col(CrmOutbox.next_attempt_at) <= now),
        )
        .order_by(col(CrmOutbox.id))
    )


def _hint(session: Session, call: Call) -> MatchHint:
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    agent = session.get(User, call.agent_id) if call.agent_id else None
    return MatchHint(
        email=customer.email if customer else None,
        phone=customer.phone if customer else None,
        case_ref=call.crm_case_id,
        contact_id=call.crm_contact_id,
        account_id=call.crm_account_id or (customer.crm_id if customer else None),
        agent_email=agent.email if agent else None,
        agent_crm_user_id=agent.crm_user_id if agent else None,
    )


def _apply_links(call: Call, links: CrmLinks) -> None:
    call.crm_contact_id = links.contact_id or call.crm_contact_id
    call.crm_account_id = links.account_id or call.crm_account_id
    call.crm_case_id = links.case_id or call.crm_case_id
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
