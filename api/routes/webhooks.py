"""Webhooks the CRM calls: signed JSON events, and Salesforce Outbound Messages."""

from __future__ import annotations

import hmac
import json
import time
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from agent.calls import service as calls
from agent.calls.intake import UploadRejected
from agent.core.ports import RecordingRefused
from agent.webhooks import inbound as webhooks_in
from agent.webhooks.inbound import CrmEventIn, EventType
from agent.webhooks.signatures import HEADER, SignatureError, verify
from api.composition import Container
from api.deps import ContainerDep, RunnerDep

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > webhooks_in.MAX_EVENT_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "webhook bodies are limited to 1 MB")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > webhooks_in.MAX_EVENT_BYTES:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, "webhook bodies are limited to 1 MB"
            )
    return body


@router.post("/crm", status_code=status.HTTP_200_OK)
async def crm_event(request: Request, container: ContainerDep, runner: RunnerDep) -> dict[str, Any]:
    """A signed CRM event: recording.available, case.created, case.updated or case.closed."""
    body = await _body(request)
    settings = container.settings
    try:
        verify(
            request.headers.get(HEADER),
            body,
            settings.inbound_webhook_secrets,
            time.time(),
            settings.webhook_tolerance_s,
        )
    except SignatureError as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(error)) from error
    event = _event(body)
    result = await to_thread.run_sync(_apply, container, event)
    if "call_id" in result:
        runner.submit(result["call_id"])
    return result


def _event(body: bytes) -> CrmEventIn:
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"the body is not JSON: {error}"
        ) from error
    try:
        return CrmEventIn.model_validate(parsed)
    except ValidationError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, _problems(error)) from error


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
    )


def _apply(container: Container, event: CrmEventIn) -> dict[str, Any]:
    with Session(container.engine) as session:
        if webhooks_in.already_received(session, event.id):
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"event {event.id!r} was already received; ignored"
            )
        if event.type == EventType.RECORDING_AVAILABLE:
            return _recording(container, session, event)
        case = _validated(webhooks_in.CaseData, event.data)
        row = webhooks_in.apply_case(session, event.type, case, container.settings.kpi_config)
        webhooks_in.remember(session, "crm", event, f"case {row.crm_id}")
        _commit_once(session, event.id)
        return {"event_id": event.id, "case_id": case.id}


def _validated(model: Any, data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, _problems(error)) from error


def _recording(container: Container, session: Session, event: CrmEventIn) -> dict[str, Any]:
    data: webhooks_in.RecordingAvailable = _validated(webhooks_in.RecordingAvailable, event.data)
    store = container.store
    try:
        with store.open_sink() as sink:
            name = container.fetcher.fetch(data.url, sink)
            meta = calls.CallMetadata.model_validate(data.model_dump(exclude={"url", "filename"}))
            call = calls.create_call(
                session,
                store,
                sink,
                data.filename or name,
                meta,
                container.settings.default_channel_map,
            )
    except (RecordingRefused, UploadRejected) as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    webhooks_in.remember(session, "crm", event, f"call {call.id}")
    try:
        _commit_once(session, event.id)
    except HTTPException:
        store.delete(call.audio_key)
        raise
    return {"event_id": event.id, "call_id": call.id}


def _commit_once(session: Session, event_id: str) -> None:
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"event {event_id!r} was already received; ignored"
        ) from error


@router.post("/salesforce", response_class=Response)
async def salesforce_outbound_message(
    request: Request,
    container: ContainerDep,
    token: Annotated[str, Query(description="The CALLSIGHT_SALESFORCE_OUTBOUND_TOKEN.")] = "",
) -> Response:
    """A Salesforce Outbound Message (SOAP) about Cases; answered with the Ack it expects."""
    expected = container.settings.salesforce_outbound_token.get_secret_value()
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid ?token= is required")
    body = await _body(request)
    try:
        message = webhooks_in.parse_outbound_message(body)
    except webhooks_in.OutboundMessageError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    org = container.settings.salesforce_org_id
    if org and message.organization_id[:15] != org[:15]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the message comes from another org")
    try:
        cases = [
            (notification, *webhooks_in.case_from_notification(notification))
            for notification in message.notifications
            if notification.sobject_type == "Case"
        ]
    except ValidationError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, _problems(error)) from error
    await to_thread.run_sync(_apply_notifications, container, cases)
    return Response(webhooks_in.ACK, media_type="text/xml")


CaseNotification = tuple[webhooks_in.Notification, EventType, webhooks_in.CaseData]


def _apply_notifications(container: Container, cases: list[CaseNotification]) -> None:
    with Session(container.engine) as session:
        for notification, event_type, case in cases:
            if webhooks_in.already_received(session, notification.notification_id):
                continue  # acknowledged all the same, so Salesforce stops resending it
            webhooks_in.apply_case(session, event_type, case, container.settings.kpi_config)
            event = CrmEventIn(
                id=notification.notification_id, type=event_type, data=notification.fields
            )
            webhooks_in.remember(session, "salesforce", event, f"case {case.id}")
        session.commit()
