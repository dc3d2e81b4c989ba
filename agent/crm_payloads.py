"""What a processed call writes to the CRM, as Salesforce-shaped Task records."""

from __future__ import annotations

from agent.domain import CrmWrite
from agent.tables import ActionItem, Call, Customer, Summary

DESCRIPTION_LIMIT = 32_000  # Salesforce's Task.Description holds 32 KB
_PRIORITIES = {"high": "High", "normal": "Normal", "low": "Low"}


def call_external_id(call: Call) -> str:
    return f"callsight-call-{call.id}"


def action_item_external_id(item: ActionItem) -> str:
    return f"callsight-action-{item.id}"


def call_activity(call: Call, summary: Summary, customer: Customer | None) -> CrmWrite:
    """The call itself, logged as a completed Task of subtype Call."""
    who = customer.name if customer else "unknown customer"
    lines = [summary.text, "", *(f"- {point}" for point in summary.key_points)]
    lines += ["", f"Resolution: {summary.resolution}", f"Sentiment: {summary.sentiment}"]
    fields: dict[str, object] = {
        "Subject": f"Call with {who}"[:255],
        "Status": "Completed",
        "TaskSubtype": "Call",
        "CallType": "Inbound" if call.direction == "inbound" else "Outbound",
        "CallDurationInSeconds": round(call.duration_s or 0),
        "ActivityDate": (call.started_at or call.created_at).date().isoformat(),
        "Description": "\n".join(lines)[:DESCRIPTION_LIMIT],
    }
    return CrmWrite("Task", call_external_id(call), _with_links(fields, call))


def follow_up_task(call: Call, item: ActionItem) -> CrmWrite:
    """An action item as an open Task due on its due date."""
    fields: dict[str, object] = {
        "Subject": item.description[:255],
        "Status": "Not Started",
        "Priority": _PRIORITIES.get(item.priority, "Normal"),
        "ActivityDate": item.due_date.isoformat() if item.due_date else None,
        "Description": f"Owner: {item.owner}\n{item.description}"[:DESCRIPTION_LIMIT],
    }
    return CrmWrite("Task", action_item_external_id(item), _with_links(fields, call))


def _with_links(fields: dict[str, object], call: Call) -> dict[str, object]:
    if call.crm_contact_id:
        fields["WhoId"] = call.crm_contact_id
    if call.crm_case_id or call.crm_account_id:
        fields["WhatId"] = call.crm_case_id or call.crm_account_id
    return fields
