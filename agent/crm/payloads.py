"""What a processed call sends to the CRM: hints to match it, and Salesforce-shaped records."""

from __future__ import annotations

from sqlmodel import Session, col, select

from agent.core.domain import ConversationChannel, CrmWrite, MatchHint, Resolution
from agent.core.tables import ActionItem, Call, Customer, Summary, User

_PRIORITIES = {"high": "High", "normal": "Normal", "low": "Low"}
COMMENT_LIMIT = 4_000  # CaseComment.CommentBody holds 4,000 characters
TRUNCATED = "… [truncated]"
CASE_STATUS = {
    Resolution.RESOLVED.value: "Closed",
    Resolution.ESCALATED.value: "Escalated",
    Resolution.FOLLOW_UP.value: "Working",
    Resolution.UNRESOLVED.value: "Working",
}
PRIORITY_BY_RESOLUTION = {Resolution.ESCALATED.value: "High"}


def call_external_id(call: Call) -> str:
    return f"callsight-call-{call.id}"


def action_item_external_id(item: ActionItem) -> str:
    return f"callsight-action-{item.id}"


def comment_external_id(call: Call) -> str:
    return f"callsight-comment-{call.id}"


def comment_marker(call: Call) -> str:
    """Ends every case comment we write: a comment has no external id field, so an earlier copy
    is recognised by this text."""
    return f"[{comment_external_id(call)}]"


def match_hint(session: Session, call: Call) -> MatchHint:
    """What we know about the call's customer, case and agent, read into plain values."""
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
        opportunity_id=call.crm_opportunity_id,
    )


def call_writes(
    session: Session, call: Call, summary: Summary, comment_crm_id: str | None
) -> list[CrmWrite]:
    """Every record a call writes: its activity, a task per action item, its case's update,
    its deal's next step."""
    customer = session.get(Customer, call.customer_id) if call.customer_id else None
    items = session.exec(
        select(ActionItem).where(ActionItem.call_id == call.id).order_by(col(ActionItem.position))
    )
    writes = [call_activity(call, summary, customer)]
    writes += [follow_up_task(call, item, summary.resolution) for item in items]
    return writes + case_writes(call, summary, comment_crm_id) + opportunity_writes(call, summary)


# The activity's subject word and Task subtype per channel: Salesforce has subtypes for calls
# and emails; a chat or an SMS is a plain task.
ACTIVITY_KINDS = {
    ConversationChannel.VOICE: ("Call", "Call"),
    ConversationChannel.CHAT: ("Chat", "Task"),
    ConversationChannel.EMAIL: ("Email", "Email"),
    ConversationChannel.SMS: ("SMS", "Task"),
}


def call_activity(call: Call, summary: Summary, customer: Customer | None) -> CrmWrite:
    """The call itself, logged as a completed Task (subtype Call, or Email or plain Task for a
    text conversation), owned as matching decided
    (the agent's CRM user, else the integration user).

    Text is not cut here: the CRM adapter cuts it to the org's field lengths, visibly.
    """
    who = customer.name if customer else "unknown customer"
    lines = [summary.text, "", *(f"- {point}" for point in summary.key_points)]
    lines += ["", *_outcome_lines(summary), f"Sentiment: {summary.sentiment}"]
    if summary.competitors:
        lines.append(f"Competitors: {', '.join(summary.competitors)}")
    if summary.objections:
        lines += ["Objections:", *(f"- {objection}" for objection in summary.objections)]
    label, subtype = ACTIVITY_KINDS[ConversationChannel(call.channel)]
    fields: dict[str, object] = {
        "Subject": f"{label} with {who}",
        "Status": "Completed",
        "TaskSubtype": subtype,
        "ActivityDate": (call.started_at or call.created_at).date().isoformat(),
        "Description": "\n".join(lines),
    }
    if subtype == "Call":
        fields["CallType"] = "Inbound" if call.direction == "inbound" else "Outbound"
        fields["CallDurationInSeconds"] = round(call.duration_s or 0)
    if call.crm_owner_id:
        fields["OwnerId"] = call.crm_owner_id
    return CrmWrite("Task", call_external_id(call), _with_links(fields, call))


def _outcome_lines(summary: Summary) -> list[str]:
    if summary.resolution:
        return [f"Resolution: {summary.resolution}"]
    if summary.deal_signal:
        return [f"Deal: {summary.deal_signal}"]
    return [f"Conversation: {summary.conversation_type}"]


def follow_up_task(call: Call, item: ActionItem, resolution: str | None = None) -> CrmWrite:
    """An action item as an open Task due on its due date, owned by the call's agent."""
    fields: dict[str, object] = {
        "Subject": item.description,
        "Status": "Completed" if item.status == "done" else "Not Started",
        "Priority": PRIORITY_BY_RESOLUTION.get(
            resolution or "", _PRIORITIES.get(item.priority, "Normal")
        ),
        "ActivityDate": item.due_date.isoformat() if item.due_date else None,
        "Description": f"Owner: {_owner(item)}\n{item.description}",
    }
    if call.crm_owner_id:
        fields["OwnerId"] = call.crm_owner_id
    return CrmWrite("Task", action_item_external_id(item), _with_links(fields, call))


def _owner(item: ActionItem) -> str:
    if item.owner_role and item.owner_role != item.owner:
        return f"{item.owner} ({item.owner_role})"
    return item.owner


def case_writes(call: Call, summary: Summary, existing_comment_id: str | None) -> list[CrmWrite]:
    """The linked Case's new status, and a comment saying what the call found."""
    if not call.crm_case_id:
        return []
    status = CASE_STATUS.get(summary.resolution or "", "Working")
    outcome = "\n".join(_outcome_lines(summary))
    body = f"{summary.text}\n\n{outcome}\n{comment_marker(call)}"
    overflow = len(body) - COMMENT_LIMIT
    if overflow > 0:  # cut the summary, never the marker that makes the comment findable
        kept = summary.text[: len(summary.text) - overflow - len(TRUNCATED)]
        body = kept + TRUNCATED + body[len(summary.text) :]
    case = CrmWrite("Case", f"callsight-case-{call.id}", {"Id": call.crm_case_id, "Status": status})
    comment_fields: dict[str, object] = {"ParentId": call.crm_case_id, "CommentBody": body}
    comment = CrmWrite(
        "CaseComment", comment_external_id(call), comment_fields, existing_comment_id
    )
    return [case, comment]


def opportunity_writes(call: Call, summary: Summary) -> list[CrmWrite]:
    """The deal's next step, from the summary. Stage and amount are a person's to change: never
    written."""
    if not (call.crm_opportunity_id and summary.next_steps):
        return []
    fields: dict[str, object] = {
        "Id": call.crm_opportunity_id,
        "NextStep": "; ".join(summary.next_steps),
    }
    return [CrmWrite("Opportunity", f"callsight-opportunity-{call.id}", fields)]


def _with_links(fields: dict[str, object], call: Call) -> dict[str, object]:
    """Who the call was with, and what it was about: its Case, else its deal, else the Account."""
    if call.crm_contact_id:
        fields["WhoId"] = call.crm_contact_id
    what = call.crm_case_id or call.crm_opportunity_id or call.crm_account_id
    if what:
        fields["WhatId"] = what
    return fields
