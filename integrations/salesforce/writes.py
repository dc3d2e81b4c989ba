"""Writing records with sObject Collections: up to 200 records a request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from agent.core.domain import CrmWrite, CrmWriteResult
from integrations.salesforce import soql
from integrations.salesforce.connection import RETRIABLE_CODES, SalesforceConnection, describe_error

COLLECTION_LIMIT = 200
CREATE_ONLY_FIELDS = {"CaseComment": ("ParentId",)}
Group = tuple[str, str]  # (operation, object type)


class CollectionWriter:
    """Sorts writes into upserts by external id, updates by id and creates, and sends them."""

    def __init__(
        self,
        connection: SalesforceConnection,
        external_id_field: str,
        upsert_objects: Sequence[str],
        batch_size: int = COLLECTION_LIMIT,
    ) -> None:
        self.connection, self.external_id_field = connection, external_id_field
        self.upsert_objects = frozenset(upsert_objects)
        self.batch_size = min(batch_size, COLLECTION_LIMIT)

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        writes = self._adopt_existing_comments(list(writes))
        results: list[CrmWriteResult | None] = [None] * len(writes)
        for group, indexes in self._groups(writes).items():
            for start in range(0, len(indexes), self.batch_size):
                chunk = indexes[start : start + self.batch_size]
                sent = self._send(group, [writes[i] for i in chunk])
                for index, result in zip(chunk, sent, strict=True):
                    results[index] = result
        return [result for result in results if result is not None]

    def _groups(self, writes: list[CrmWrite]) -> dict[Group, list[int]]:
        groups: dict[Group, list[int]] = defaultdict(list)
        for index, write in enumerate(writes):
            groups[(self._operation(write), write.object_type)].append(index)
        return groups

    def _operation(self, write: CrmWrite) -> str:
        if write.object_type in self.upsert_objects:
            return "upsert"
        return "update" if write.fields.get("Id") or write.crm_id else "create"

    def _send(self, group: Group, writes: list[CrmWrite]) -> list[CrmWriteResult]:
        operation, object_type = group
        records = [self._record(operation, object_type, write) for write in writes]
        body = {"allOrNone": False, "records": records}
        path = "composite/sobjects"
        if operation == "upsert":
            path = f"composite/sobjects/{object_type}/{self.external_id_field}"
        method = {"upsert": "PATCH", "update": "PATCH", "create": "POST"}[operation]
        try:
            answer = self.connection.rest(method, path, body)
        except Exception as error:
            message, retriable = describe_error(error)
            return [CrmWriteResult(w.external_id, None, message, retriable) for w in writes]
        return [_result(w, item) for w, item in zip(writes, answer or [], strict=True)]

    def _record(self, operation: str, object_type: str, write: CrmWrite) -> dict[str, Any]:
        fields = {k: v for k, v in write.fields.items() if k != "Id"}
        record: dict[str, Any] = {"attributes": {"type": object_type}}
        if operation == "upsert":
            record[self.external_id_field] = write.external_id
        elif operation == "update":
            record["id"] = write.fields.get("Id") or write.crm_id
            for name in CREATE_ONLY_FIELDS.get(object_type, ()):
                fields.pop(name, None)
        return record | fields

    def _adopt_existing_comments(self, writes: list[CrmWrite]) -> list[CrmWrite]:
        """A case comment has no external id: find one an earlier, unanswered attempt made."""
        new = [w for w in writes if w.object_type == "CaseComment" and not w.crm_id]
        parents = [str(w.fields["ParentId"]) for w in new if w.fields.get("ParentId")]
        if not parents:
            return writes
        found: dict[str, str] = {}
        try:
            for chunk in soql.chunks(parents):
                where = f"ParentId IN {soql.in_list(chunk)}"
                query = f"SELECT Id, CommentBody FROM CaseComment WHERE {where}"
                for row in self.connection.query(query):
                    found.update(_markers(new, row))
        except Exception:
            return writes  # the create fails the same way and is retried
        return [_with_crm_id(w, found.get(w.external_id)) for w in writes]


def _markers(writes: list[CrmWrite], row: dict[str, Any]) -> dict[str, str]:
    body = str(row.get("CommentBody") or "")
    return {w.external_id: str(row["Id"]) for w in writes if f"[{w.external_id}]" in body}


def _with_crm_id(write: CrmWrite, crm_id: str | None) -> CrmWrite:
    if crm_id is None or write.crm_id:
        return write
    return CrmWrite(write.object_type, write.external_id, write.fields, crm_id)


def _result(write: CrmWrite, item: dict[str, Any]) -> CrmWriteResult:
    if item.get("success"):
        return CrmWriteResult(write.external_id, item.get("id") or write.crm_id)
    errors = item.get("errors") or [{}]
    code = str(errors[0].get("statusCode", ""))
    message = "; ".join(
        f"{e.get('statusCode', '')}: {e.get('message', '')}"
        + (f" (fields: {', '.join(e['fields'])})" if e.get("fields") else "")
        for e in errors
    )
    return CrmWriteResult(write.external_id, None, message, code in RETRIABLE_CODES)
