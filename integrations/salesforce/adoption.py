"""Finding case comments an earlier, unanswered attempt made, so they are updated, not doubled.

A CaseComment takes no custom fields, so it has no external id: each comment we write ends with a
marker (``[callsight-comment-…]``), and before a comment is created the comments of its Case are
read for that marker, unless the caller knows no earlier attempt can have reached Salesforce
(``CrmWrite.maybe_sent``). When that read fails, the comment is not sent: it waits for a later
try.
"""

from __future__ import annotations

from typing import Any

from agent.core.domain import CrmWrite, CrmWriteResult
from integrations.salesforce import soql
from integrations.salesforce.connection import SalesforceConnection, describe_error


def adopt_earlier_comments(
    connection: SalesforceConnection, writes: list[CrmWrite], results: dict[int, CrmWriteResult]
) -> list[CrmWrite]:
    """``writes`` with the CRM id of each comment found already made; a comment that could not
    be checked gets its (retriable) result in ``results`` and must not be sent."""
    new = {
        index: write
        for index, write in enumerate(writes)
        if write.object_type == "CaseComment"
        and write.maybe_sent
        and not write.crm_id
        and write.fields.get("ParentId")
    }
    if not new:
        return writes
    try:
        found = _earlier(connection, list(new.values()))
    except Exception as error:
        message, retriable = describe_error(error)
        text = f"could not check for a copy an unanswered attempt made ({message}); not sent"
        for index, write in new.items():
            results[index] = CrmWriteResult(write.external_id, None, text, retriable)
        return writes
    return [_with_crm_id(write, found.get(write.external_id)) for write in writes]


def _earlier(connection: SalesforceConnection, new: list[CrmWrite]) -> dict[str, str]:
    found: dict[str, str] = {}
    parents = [str(write.fields["ParentId"]) for write in new]
    template = "SELECT Id, CommentBody FROM CaseComment WHERE ParentId IN {0}"
    for query in soql.queries(template, parents):
        for row in connection.query(query):
            found.update(_markers(new, row))
    return found


def _markers(writes: list[CrmWrite], row: dict[str, Any]) -> dict[str, str]:
    body = str(row.get("CommentBody") or "")
    return {w.external_id: str(row["Id"]) for w in writes if f"[{w.external_id}]" in body}


def _with_crm_id(write: CrmWrite, crm_id: str | None) -> CrmWrite:
    if crm_id is None or write.crm_id:
        return write
    return CrmWrite(write.object_type, write.external_id, write.fields, crm_id, write.maybe_sent)
