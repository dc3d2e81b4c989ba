"""Inbound CRM events: signed JSON webhooks and Salesforce Outbound Messages (SOAP)."""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import BaseModel, Field
from sqlmodel import Session

from agent.calls.service import CallMetadata
from agent.core.errors import BadRequest
from agent.core.moments import EventTime
from agent.core.tables import CrmCase, InboundEvent, utcnow
from agent.kpis.cases import close_crm_case
from agent.kpis.periods import KpiConfig

MAX_EVENT_BYTES = 1024 * 1024
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body>'
    f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
)


class EventType(enum.StrEnum):
    RECORDING_AVAILABLE = "recording.available"
    CASE_CREATED = "case.created"
    CASE_UPDATED = "case.updated"
    CASE_CLOSED = "case.closed"


class CrmEventIn(BaseModel):
    """The envelope of every inbound JSON event."""

    id: str = Field(min_length=1, max_length=200)
    type: EventType
    data: dict[str, Any]


class RecordingAvailable(CallMetadata):
    url: str = Field(max_length=2000)
    filename: str | None = Field(None, max_length=255)


class CaseData(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    number: str | None = Field(None, max_length=64)
    status: str | None = Field(None, max_length=64)
    contact_id: str | None = Field(None, max_length=64)
    subject: str | None = Field(None, max_length=1000)
    closed_at: EventTime | None = None


def already_received(session: Session, event_id: str) -> bool:
    return session.get(InboundEvent, event_id) is not None


def remember(session: Session, source: str, event: CrmEventIn, outcome: str) -> None:
    """Record the event id; committing it together with the event's effect makes replays no-ops."""
    session.add(
        InboundEvent(
            id=event.id,
            source=source,
            event_type=event.type.value,
            payload=event.data,
            outcome=outcome,
        )
    )


def apply_case(session: Session, event_type: EventType, case: CaseData, kpi: KpiConfig) -> CrmCase:
    """Keep what the CRM says about a case; a case.closed closes it, in the KPIs too."""
    row = session.get(CrmCase, case.id) or CrmCase(crm_id=case.id)
    for name in ("number", "status", "contact_id", "subject"):
        value = getattr(case, name)
        if value is not None:
            setattr(row, name, value)
    if event_type == EventType.CASE_CLOSED:
        row.closed_at = case.closed_at or utcnow()
        row.status = case.status or row.status or "Closed"
        close_crm_case(session, case.id, row.closed_at, kpi)
    row.updated_at = utcnow()
    session.add(row)
    return row


class OutboundMessageError(BadRequest):
    """The body is not a Salesforce Outbound Message we can read."""


@dataclass(frozen=True)
class Notification:
    notification_id: str
    sobject_type: str
    fields: dict[str, str]


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    notifications: list[Notification]


def parse_outbound_message(body: bytes) -> OutboundMessage:
    """Read a SOAP Outbound Message; DTDs and entities are refused, never expanded."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException) as error:
        raise OutboundMessageError(f"the body is not acceptable XML: {error}") from error
    notifications = root.find(f"{{{SOAP_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if notifications is None:
        raise OutboundMessageError("no soapenv:Body/notifications element in the message")
    org_id = (notifications.findtext(f"{{{OUTBOUND_NS}}}OrganizationId") or "").strip()
    items = [_notification(n) for n in notifications.findall(f"{{{OUTBOUND_NS}}}Notification")]
    if not org_id or not items:
        raise OutboundMessageError("the message has no OrganizationId or no Notification")
    return OutboundMessage(org_id, items)


def _notification(element: ET.Element) -> Notification:
    notification_id = (element.findtext(f"{{{OUTBOUND_NS}}}Id") or "").strip()
    sobject = element.find(f"{{{OUTBOUND_NS}}}sObject")
    if not notification_id or sobject is None:
        raise OutboundMessageError("a Notification lacks its Id or sObject")
    sobject_type = sobject.get(f"{{{XSI_NS}}}type", "").split(":")[-1]
    fields = {child.tag.split("}")[-1]: (child.text or "").strip() for child in sobject}
    return Notification(notification_id, sobject_type, fields)


def case_from_notification(notification: Notification) -> tuple[EventType, CaseData]:
    fields = notification.fields
    closed = fields.get("IsClosed", "").lower() == "true"
    data = CaseData(
        id=fields.get("Id", ""),
        number=fields.get("CaseNumber") or None,
        status=fields.get("Status") or None,
        contact_id=fields.get("ContactId") or None,
        subject=fields.get("Subject") or None,
    )
    return (EventType.CASE_CLOSED if closed else EventType.CASE_UPDATED), data
