"""Webhooks the CRM calls: signed JSON events, and Salesforce Outbound Messages."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response, status
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from agent.calls import service as calls
from agent.calls import use_cases
from agent.calls.intake import UploadRejected
from agent.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidInput,
    PayloadTooLarge,
    Unauthorized,
    validation_problems,
)
from agent.core.ports import AudioSink
from agent.core.tables import Call
from agent.core.transactions import unit_of_work
from agent.processing.runner import Runner
from agent.webhooks import inbound as webhooks_in
from agent.webhooks.inbound import CrmEventIn, EventType
from agent.webhooks.signatures import HEADER, verify
from api.composition import Container
from api.deps import ContainerDep, RunnerDep
from api.error_responses import errors

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

TOO_LARGE = "webhook bodies are limited to 1 MB"


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > webhooks_in.MAX_EVENT_BYTES:
        raise PayloadTooLarge(TOO_LARGE)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > webhooks_in.MAX_EVENT_BYTES:
            raise PayloadTooLarge(TOO_LARGE)
    return body


@router.post("/crm", status_code=status.HTTP_200_OK, responses=errors(400, 401, 409, 413, 422))
async def crm_event(request: Request, container: ContainerDep, runner: RunnerDep) -> dict[str, Any]:
    """A signed CRM event: recording.available, case.created, case.updated or case.closed."""
    body = await _body(request)
    settings = container.settings
    verify(
        request.headers.get(HEADER),
        body,
        settings.inbound_webhook_secrets,
        time.time(),
        settings.webhook_tolerance_s,
    )
    event = _event(body)
    return await to_thread.run_sync(_apply, container, runner, event)


def _event(body: bytes) -> CrmEventIn:
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"the body is not JSON: {error}") from error
    validated: CrmEventIn = _validated(CrmEventIn, parsed)
    return validated


def _problems(error: ValidationError) -> str:
    return validation_problems(error.errors(), whole="body")


def _validated(model: Any, data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(_problems(error)) from error


def _apply(container: Container, runner: Runner, event: CrmEventIn) -> dict[str, Any]:
    if event.type == EventType.RECORDING_AVAILABLE:
        return _recording(container, runner, event)
    with _first_time(container, event.id) as session:
        case = _validated(webhooks_in.CaseData, event.data)
        row = webhooks_in.apply_case(session, event.type, case, container.settings.kpi_config)
        webhooks_in.remember(session, "crm", event, f"case {row.crm_id}")
    return {"event_id": event.id, "case_id": case.id}


def _repeated(event_id: str) -> Conflict:
    return Conflict(f"event {event_id!r} was already received; ignored")


def _refuse_repeat(session: Session, event_id: str) -> None:
    if webhooks_in.already_received(session, event_id):
        raise _repeated(event_id)


@contextmanager
def _first_time(container: Container, event_id: str) -> Iterator[Session]:
    """One transaction for a new event; a repeat (seen first or lost at commit) is a 409."""
    try:
        with unit_of_work(container.engine) as session:
            _refuse_repeat(session, event_id)
            yield session
    except IntegrityError as error:
        raise _repeated(event_id) from error


def _recording(container: Container, runner: Runner, event: CrmEventIn) -> dict[str, Any]:
    """Fetch the recording with no transaction open, then make the call in a short one."""
    with Session(container.engine) as session:
        _refuse_repeat(session, event.id)  # before the download; checked again at the write
    data: webhooks_in.RecordingAvailable = _validated(webhooks_in.RecordingAvailable, event.data)
    meta = _validated(calls.CallMetadata, data.model_dump(exclude={"url", "filename"}))
    with container.store.open_sink() as sink:
        name = container.fetcher.fetch(data.url, sink)
        with _first_time(container, event.id) as session:
            call_id = _receive(container, runner, session, sink, data.filename or name, meta).id
            webhooks_in.remember(session, "crm", event, f"call {call_id}")
    return {"event_id": event.id, "call_id": call_id}


def _receive(
    container: Container,
    runner: Runner,
    session: Session,
    sink: AudioSink,
    filename: str,
    meta: calls.CallMetadata,
) -> Call:
    try:
        return use_cases.receive_call(
            session,
            container.store,
            sink,
            filename,
            meta,
            container.settings.default_channel_map,
            None,
            runner,
        )
    except UploadRejected as error:
        # The CRM sent a URL to something that is not a usable recording: its request is at fault.
        raise InvalidInput(error.message) from error


@router.post(
    "/salesforce",
    response_class=Response,
    responses={
        200: {"description": "The Ack Salesforce expects", "content": {"text/xml": {}}},
        **errors(400, 401, 403, 413, 422),
    },
)
async def salesforce_outbound_message(
    request: Request,
    container: ContainerDep,
    token: Annotated[str, Query(description="The CALLSIGHT_SALESFORCE_OUTBOUND_TOKEN.")] = "",
) -> Response:
    """A Salesforce Outbound Message (SOAP) about Cases; answered with the Ack it expects."""
    expected = container.settings.salesforce_outbound_token.get_secret_value()
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("a valid ?token= is required")
    body = await _body(request)
    message = webhooks_in.parse_outbound_message(body)
    org = container.settings.salesforce_org_id
    if org and message.organization_id[:15] != org[:15]:
        raise Forbidden("the message comes from another org")
    try:
        cases = [
            (notification, *webhooks_in.case_from_notification(notification))
            for notification in message.notifications
            if notification.sobject_type == "Case"
        ]
    except ValidationError as error:
        raise BadRequest(_problems(error)) from error
    await to_thread.run_sync(_apply_notifications, container, cases)
    return Response(webhooks_in.ACK, media_type="text/xml")


CaseNotification = tuple[webhooks_in.Notification, EventType, webhooks_in.CaseData]


def _apply_notifications(container: Container, cases: list[CaseNotification]) -> None:
    with unit_of_work(container.engine) as session:
        for notification, event_type, case in cases:
            if webhooks_in.already_received(session, notification.notification_id):
                continue  # acknowledged all the same, so Salesforce stops resending it
            webhooks_in.apply_case(session, event_type, case, container.settings.kpi_config)
            event = CrmEventIn(
                id=notification.notification_id, type=event_type, data=notification.fields
            )
            webhooks_in.remember(session, "salesforce", event, f"case {case.id}")
