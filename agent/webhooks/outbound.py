"""Outbound webhooks: subscriptions, a delivery row per event and subscriber, signed retries."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Engine, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.core.domain import CrmEvent, DeliveryStatus
from agent.core.errors import InvalidInput
from agent.core.ports import DeliveryError, DeliveryRefused, WebhookTransport
from agent.core.tables import WebhookDelivery, WebhookSubscription, utcnow
from agent.crm.sync import RetryPolicy
from agent.webhooks.signatures import HEADER, sign

log = logging.getLogger(__name__)

EVENT_TYPES = ("call.transcribed", "call.summarised", "call.approved", "call.synced", "call.failed")


class SubscriptionCreate(BaseModel):
    url: str = Field(max_length=2000, pattern=r"^https?://")
    secret: str = Field(min_length=16, max_length=200)
    events: list[str] = Field(min_length=1)

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: list[str]) -> list[str]:
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event(s) {unknown}; choose from {list(EVENT_TYPES)}")
        return sorted(set(events))


class WebhookDeliveries:
    """Records deliveries for published events and sends the due ones."""

    def __init__(
        self,
        engine: Engine,
        transport: WebhookTransport,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine, self.transport = engine, transport
        self.policy = policy or RetryPolicy(base_s=5.0, cap_s=3600.0, max_attempts=8)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()

    def check_target(self, url: str) -> None:
        """Refuse a subscription URL no delivery could be sent to (a private address)."""
        reason = self.transport.refusal(url)
        if reason is not None:
            raise InvalidInput(f"webhook URL refused: {reason}")

    def publish(self, events: Sequence[CrmEvent]) -> None:
        """A pending delivery for each event and each active subscription that wants it."""
        with Session(self.engine) as session:
            subscriptions = list(
                session.exec(select(WebhookSubscription).where(col(WebhookSubscription.active)))
            )
            for event in events:
                for subscription in subscriptions:
                    if event.event_type in subscription.events:
                        session.add(_delivery(subscription, event))
            try:
                session.commit()
            except IntegrityError:
                log.warning("an event was published twice; the first delivery is kept")

    def deliver_due(self, limit: int = 100) -> int:
        """Send the deliveries that are due; returns how many were attempted."""
        with self._lock:
            due = self._read_due(limit)
            for attempt in due:
                outcome = self._post(attempt)
                self._record(attempt, outcome)
            return len(due)

    def _read_due(self, limit: int) -> list[_Attempt]:
        with Session(self.engine) as session:
            now = utcnow()
            rows = session.exec(
                select(WebhookDelivery)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    or_(
                        col(WebhookDelivery.next_attempt_at).is_(None),
                        col(WebhookDelivery.next_attempt_at) <= now,
                    ),
                )
                .order_by(col(WebhookDelivery.id))
                .limit(limit)
            )
            return [
                _Attempt.of(row, session.get(WebhookSubscription, row.subscription_id))
                for row in rows
            ]

    def _post(self, attempt: _Attempt) -> _Outcome:
        if attempt.url is None or attempt.secret is None:
            return _Outcome(error="the subscription was removed", final=True)
        body = json.dumps(attempt.payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(attempt.secret, body, int(time.time())),
            "Callsight-Event": attempt.event_type,
            "Callsight-Delivery": str(attempt.delivery_id),
        }
        try:
            code = self.transport.post(attempt.url, body, headers)
        except DeliveryRefused as error:
            return _Outcome(error=str(error), final=True)
        except DeliveryError as error:
            return _Outcome(error=str(error))
        if 200 <= code < 300:
            return _Outcome(code=code)
        return _Outcome(code=code, error=f"the subscriber answered HTTP {code}")

    def _record(self, attempt: _Attempt, outcome: _Outcome) -> None:
        """Writes the outcome, unless another sender already recorded this attempt."""
        with Session(self.engine) as session:
            delivery = session.get(WebhookDelivery, attempt.delivery_id, with_for_update=True)
            if delivery is None or not attempt.matches(delivery):
                return
            delivery.attempts += 1
            if outcome.final:
                delivery.status, delivery.last_error = DeliveryStatus.FAILED, outcome.error
            elif outcome.error is None:
                delivery.status, delivery.last_status_code = DeliveryStatus.DELIVERED, outcome.code
                delivery.last_error, delivery.delivered_at = None, utcnow()
            else:
                self._retry_later(delivery, outcome.code, outcome.error)
            session.add(delivery)
            session.commit()

    def _retry_later(self, delivery: WebhookDelivery, code: int | None, error: str) -> None:
        delivery.last_status_code, delivery.last_error = code, error
        if delivery.attempts >= self.policy.max_attempts:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            return
        delay = self.policy.delay_s(delivery.attempts, self._rng)
        delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)


@dataclass(frozen=True)
class _Attempt:
    """A due delivery and where it goes, read before the post; no url once unsubscribed."""

    delivery_id: int
    attempts: int
    event_type: str
    payload: dict[str, Any]
    url: str | None
    secret: str | None

    @classmethod
    def of(cls, row: WebhookDelivery, subscription: WebhookSubscription | None) -> _Attempt:
        assert row.id is not None
        active = subscription is not None and subscription.active
        return cls(
            row.id,
            row.attempts,
            row.event_type,
            dict(row.payload),
            subscription.url if subscription and active else None,
            subscription.secret if subscription and active else None,
        )

    def matches(self, row: WebhookDelivery) -> bool:
        return row.status == DeliveryStatus.PENDING and row.attempts == self.attempts


@dataclass(frozen=True)
class _Outcome:
    code: int | None = None
    error: str | None = None
    final: bool = False


def _delivery(subscription: WebhookSubscription, event: CrmEvent) -> WebhookDelivery:
    assert subscription.id is not None
    payload = {
        "id": event.event_id,
        "type": event.event_type,
        "created_at": utcnow().isoformat(),
        "data": event.data,
    }
    return WebhookDelivery(
        subscription_id=subscription.id,
        event_id=event.event_id,
        event_type=event.event_type,
        payload=payload,
    )
