"""Outbound webhooks: subscriptions, a delivery row per event and subscriber, signed retries."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from collections.abc import Sequence

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Engine, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agent.core.domain import CrmEvent, DeliveryStatus
from agent.core.ports import DeliveryError, WebhookTransport
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
        with self._lock, Session(self.engine) as session:
            now = utcnow()
            due = list(
                session.exec(
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
            )
            for delivery in due:
                subscription = session.get(WebhookSubscription, delivery.subscription_id)
                self._attempt(delivery, subscription)
                session.add(delivery)
                session.commit()
            return len(due)

    def _attempt(self, delivery: WebhookDelivery, subscription: WebhookSubscription | None) -> None:
        delivery.attempts += 1
        if subscription is None or not subscription.active:
            delivery.status, delivery.last_error = (
                DeliveryStatus.FAILED,
                "the subscription was removed",
            )
            return
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(subscription.secret, body, int(time.time())),
            "Callsight-Event": delivery.event_type,
            "Callsight-Delivery": str(delivery.id),
        }
        try:
            code = self.transport.post(subscription.url, body, headers)
        except DeliveryError as error:
            self._retry_later(delivery, None, str(error))
            return
        if 200 <= code < 300:
            delivery.status, delivery.last_status_code = DeliveryStatus.DELIVERED, code
            delivery.last_error, delivery.delivered_at = None, utcnow()
        else:
            self._retry_later(delivery, code, f"the subscriber answered HTTP {code}")

    def _retry_later(self, delivery: WebhookDelivery, code: int | None, error: str) -> None:
        delivery.last_status_code, delivery.last_error = code, error
        if delivery.attempts >= self.policy.max_attempts:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            return
        delay = self.policy.delay_s(delivery.attempts, self._rng)
        delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)


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
