"""The admin page: API keys and outbound webhook subscriptions."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from sqlmodel import Session, col, func, select

from agent.audit import log as audit
from agent.audit.log import Action, key_described
from agent.auth.keys import Role, create_key
from agent.auth.web_sessions import SignedIn
from agent.core.errors import Conflict, InvalidInput, NotFound
from agent.core.tables import ApiKey, WebhookDelivery, WebhookSubscription, utcnow
from agent.webhooks.outbound import EVENT_TYPES, SubscriptionCreate
from api.deps import ContainerDep, SessionDep
from api.ids import existing_id
from api.web.auth import FormVisitorDep, VisitorDep, WebActorDep, require_role
from api.web.form_checks import Blank, readable
from api.web.i18n import N_, gettext
from api.web.rendering import render

router = APIRouter(include_in_schema=False)

NO_KEY = N_("There is no such key.")
NO_SUBSCRIPTION = N_("There is no such subscription.")


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, session: SessionDep, visitor: VisitorDep) -> HTMLResponse:
    return _admin_view(request, session, visitor)


def _admin_view(
    request: Request,
    session: Session,
    visitor: SignedIn,
    shown: dict[str, str] | None = None,
    problem: InvalidInput | None = None,
) -> HTMLResponse:
    """The page; ``shown`` holds a new key or secret, displayed this once only, ``problem``
    what was wrong with the form just sent (the page then answers 422)."""
    require_role(visitor.principal, Role.ADMIN)
    keys = list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at).desc())))
    return render(
        request,
        "admin.html",
        visitor,
        status.HTTP_422_UNPROCESSABLE_CONTENT if problem else status.HTTP_200_OK,
        nav="admin",
        problem=problem.message if problem else None,
        keys=keys,
        roles=[r.value for r in Role],
        subscriptions=_subscriptions(session),
        event_types=EVENT_TYPES,
        shown=shown or {},
    )


def _subscriptions(session: Session) -> list[tuple[WebhookSubscription, dict[str, int]]]:
    rows = list(
        session.exec(
            select(WebhookSubscription)
            .where(col(WebhookSubscription.active))
            .order_by(col(WebhookSubscription.id))
        )
    )
    counts = session.exec(
        select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count()).group_by(
            col(WebhookDelivery.subscription_id), col(WebhookDelivery.status)
        )
    ).all()
    by_subscription: dict[int, dict[str, int]] = {}
    for subscription_id, delivery_status, count in counts:
        by_subscription.setdefault(subscription_id, {})[delivery_status] = count
    return [(row, by_subscription.get(row.id or 0, {})) for row in rows]


class KeyForm(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: Role
    email: Annotated[Annotated[str, Field(max_length=320)] | None, Blank] = None


def _problem(error: ValidationError) -> InvalidInput:
    return InvalidInput(readable(error.errors()))


@router.post("/admin/keys", response_class=HTMLResponse)
def create_api_key(
    request: Request,
    session: SessionDep,
    visitor: FormVisitorDep,
    actor: WebActorDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> HTMLResponse:
    require_role(visitor.principal, Role.ADMIN)
    try:
        form = KeyForm.model_validate({"name": name, "role": role, "email": email.strip()})
    except ValidationError as error:
        return _admin_view(request, session, visitor, problem=_problem(error))
    token = create_key(session, form.role, form.name, form.email)
    described = key_described(token, form.role, form.name)
    audit.record(session, actor, Action.KEY_CREATED, target=described)
    # Rendered, not redirected: the token must never travel in a URL.
    return _admin_view(request, session, visitor, {"token": token, "name": form.name})


@router.post("/admin/keys/{key_id}/revoke")
def revoke_api_key(
    key_id: int, session: SessionDep, visitor: FormVisitorDep, actor: WebActorDep
) -> RedirectResponse:
    require_role(visitor.principal, Role.ADMIN)
    key = session.get(ApiKey, existing_id(key_id, gettext(NO_KEY)))
    if key is None:
        raise NotFound(gettext(NO_KEY))
    if key.id == visitor.principal.key_id:
        raise Conflict(gettext("You cannot revoke the key you are using."))
    key.revoked_at = key.revoked_at or utcnow()
    session.add(key)
    audit.record(session, actor, Action.KEY_REVOKED, target=f"key {key.prefix} ({key.name})")
    return RedirectResponse("/admin", status.HTTP_303_SEE_OTHER)


@router.post("/admin/webhooks", response_class=HTMLResponse)
def create_subscription(
    request: Request,
    session: SessionDep,
    container: ContainerDep,
    visitor: FormVisitorDep,
    url: Annotated[str, Form()] = "",
    events: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    secret: Annotated[str, Form()] = "",
) -> HTMLResponse:
    require_role(visitor.principal, Role.ADMIN)
    chosen = secret.strip() or secrets.token_urlsafe(24)
    try:
        body = SubscriptionCreate(url=url.strip(), secret=chosen, events=events)
    except ValidationError as error:
        return _admin_view(request, session, visitor, problem=_problem(error))
    container.deliveries.check_target(body.url)
    session.add(WebhookSubscription(url=body.url, secret=body.secret, events=body.events))
    session.flush()
    return _admin_view(request, session, visitor, {"secret": chosen, "url": body.url})


@router.post("/admin/webhooks/{subscription_id}/stop")
def stop_subscription(
    subscription_id: int, session: SessionDep, visitor: FormVisitorDep
) -> RedirectResponse:
    require_role(visitor.principal, Role.ADMIN)
    missing = gettext(NO_SUBSCRIPTION)
    row = session.get(WebhookSubscription, existing_id(subscription_id, missing))
    if row is None:
        raise NotFound(missing)
    row.active = False
    session.add(row)
    session.flush()
    return RedirectResponse("/admin", status.HTTP_303_SEE_OTHER)
