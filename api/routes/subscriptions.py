"""Admins manage outbound webhook subscriptions and read their delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel
from sqlmodel import col, select

from agent.core.errors import NotFound
from agent.core.tables import WebhookDelivery, WebhookSubscription
from agent.webhooks.outbound import SubscriptionCreate
from api.deps import AdminDep, ContainerDep, SessionDep
from api.error_responses import errors
from api.ids import DbId

router = APIRouter(prefix="/api/v1/webhooks/subscriptions", tags=["webhooks"])


class SubscriptionView(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime


class DeliveryView(BaseModel):
    id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionView,
    responses=errors(400, 401, 403, 422),
)
def create_subscription(
    body: SubscriptionCreate, session: SessionDep, container: ContainerDep, _admin: AdminDep
) -> SubscriptionView:
    """Subscribe a URL to events; deliveries are signed with the secret given here.

    A URL whose host resolves to a private, loopback or link-local address is refused (422)
    unless CALLSIGHT_OUTBOUND_WEBHOOK_ALLOW_PRIVATE is set."""
    container.deliveries.check_target(body.url)
    row = WebhookSubscription(url=body.url, secret=body.secret, events=body.events)
    session.add(row)
    session.flush()
    return SubscriptionView.model_validate(row, from_attributes=True)


@router.get("", response_model=list[SubscriptionView], responses=errors(401, 403))
def list_subscriptions(session: SessionDep, _admin: AdminDep) -> list[SubscriptionView]:
    rows = session.exec(select(WebhookSubscription).order_by(col(WebhookSubscription.id)))
    return [SubscriptionView.model_validate(r, from_attributes=True) for r in rows]


@router.delete(
    "/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 403, 404, 422),
)
def delete_subscription(subscription_id: DbId, session: SessionDep, _admin: AdminDep) -> None:
    """Stop deliveries to this subscription; its delivery log is kept."""
    row = _subscription(session, subscription_id)
    row.active = False
    session.add(row)
    session.flush()


@router.get(
    "/{subscription_id}/deliveries",
    response_model=list[DeliveryView],
    responses=errors(401, 403, 404, 422),
)
def list_deliveries(
    subscription_id: DbId,
    session: SessionDep,
    _admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryView]:
    """The delivery log, newest first."""
    _subscription(session, subscription_id)
    rows = session.exec(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    return [DeliveryView.model_validate(r, from_attributes=True) for r in rows]


def _subscription(session: SessionDep, subscription_id: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None or not row.active:
        raise NotFound(f"no subscription {subscription_id}")
    return row
