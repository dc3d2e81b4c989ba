"""Writing records with sObject Collections: up to 200 records a request.

Each record is fitted to the org's ``describe`` first. An upsert of a record we never heard back
about may meet the record an earlier, unanswered attempt made: Salesforce then refuses the fields
it takes on create only (INVALID_FIELD_FOR_INSERT_UPDATE), and the record is sent again at once
without them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.core.domain import CrmWrite, CrmWriteResult
from integrations.salesforce.adoption import adopt_earlier_comments
from integrations.salesforce.connection import RETRIABLE_CODES, SalesforceConnection, describe_error
from integrations.salesforce.fitting import FieldRefused, fit
from integrations.salesforce.schema import ObjectSchema, SchemaCache

COLLECTION_LIMIT = 200
CREATE_ONLY_REFUSED = "INVALID_FIELD_FOR_INSERT_UPDATE"
# Refusals that may come from a stale describe: the next attempt reads it again.
SCHEMA_ERRORS = frozenset(
    {CREATE_ONLY_REFUSED, "INVALID_FIELD", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}
)


@dataclass(frozen=True)
class Group:
    operation: str  # upsert, update or create
    object_type: str


@dataclass(frozen=True)
class _Item:
    index: int
    write: CrmWrite
    creating: bool


class CollectionWriter:
    """Sorts writes into upserts by external id, updates by id and creates, and sends them."""

    def __init__(
        self,
        connection: SalesforceConnection,
        external_id_field: str,
        upsert_objects: Sequence[str],
        schemas: SchemaCache,
        batch_size: int = COLLECTION_LIMIT,
    ) -> None:
        self.connection, self.external_id_field = connection, external_id_field
        self.upsert_objects = frozenset(upsert_objects)
        self.schemas = schemas
        self.batch_size = min(batch_size, COLLECTION_LIMIT)

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        results: dict[int, CrmWriteResult] = {}
        ready = adopt_earlier_comments(self.connection, list(writes), results)
        for group, items in self._groups(ready, results).items():
            self._write_group(group, items, results)
        return [results[index] for index in range(len(ready))]

    def _groups(
        self, writes: list[CrmWrite], done: dict[int, CrmWriteResult]
    ) -> dict[Group, list[_Item]]:
        groups: dict[Group, list[_Item]] = defaultdict(list)
        for index, write in enumerate(writes):
            if index not in done:
                creating = not (write.fields.get("Id") or write.crm_id)
                groups[Group(self._operation(write), write.object_type)].append(
                    _Item(index, write, creating)
                )
        return groups

    def _operation(self, write: CrmWrite) -> str:
        if write.object_type in self.upsert_objects:
            return "upsert"
        return "update" if write.fields.get("Id") or write.crm_id else "create"

    def _write_group(
        self, group: Group, items: list[_Item], results: dict[int, CrmWriteResult]
    ) -> None:
        try:
            schema = self.schemas.get(group.object_type)
        except Exception as error:
            message, retriable = describe_error(error)
            text = f"could not read the fields of {group.object_type}: {message}"
            for item in items:
                results[item.index] = CrmWriteResult(item.write.external_id, None, text, retriable)
            return
        again = self._send_all(group, schema, items, results)
        if again:  # met records an unanswered attempt had made: update them instead
            self._send_all(group, schema, again, results)

    def _send_all(
        self,
        group: Group,
        schema: ObjectSchema,
        items: list[_Item],
        results: dict[int, CrmWriteResult],
    ) -> list[_Item]:
        """Sends the items; returns those to send again without their create-only fields."""
        fitted: list[tuple[_Item, dict[str, Any]]] = []
        for item in items:
            try:
                fitted.append((item, self._record(group, schema, item)))
            except FieldRefused as refused:
                results[item.index] = CrmWriteResult(item.write.external_id, None, str(refused))
                self.schemas.forget(group.object_type)  # an admin's fix is seen on retry
        again: list[_Item] = []
        for start in range(0, len(fitted), self.batch_size):
            again += self._send(group, schema, fitted[start : start + self.batch_size], results)
        return again

    def _send(
        self,
        group: Group,
        schema: ObjectSchema,
        batch: list[tuple[_Item, dict[str, Any]]],
        results: dict[int, CrmWriteResult],
    ) -> list[_Item]:
        body = {"allOrNone": False, "records": [record for _, record in batch]}
        path = "composite/sobjects"
        if group.operation == "upsert":
            path = f"composite/sobjects/{group.object_type}/{self.external_id_field}"
        method = "POST" if group.operation == "create" else "PATCH"
        try:
            answer = self.connection.rest(method, path, body) or []
        except Exception as error:
            message, retriable = describe_error(error)
            for item, _ in batch:
                results[item.index] = CrmWriteResult(
                    item.write.external_id, None, message, retriable
                )
            return []
        again: list[_Item] = []
        for (item, record), outcome in zip(batch, answer, strict=True):
            if item.creating and _refused_create_only(schema, record, outcome):
                again.append(_Item(item.index, item.write, creating=False))
                continue
            results[item.index] = _result(item.write, outcome)
            if _codes(outcome) & SCHEMA_ERRORS:
                self.schemas.forget(group.object_type)
        return again

    def _record(self, group: Group, schema: ObjectSchema, item: _Item) -> dict[str, Any]:
        write = item.write
        fields = fit(schema, {k: v for k, v in write.fields.items() if k != "Id"}, item.creating)
        record: dict[str, Any] = {"attributes": {"type": group.object_type}}
        if group.operation == "upsert":
            record[self.external_id_field] = write.external_id
        elif group.operation == "update":
            record["id"] = write.fields.get("Id") or write.crm_id
        return record | fields


def _refused_create_only(
    schema: ObjectSchema, record: dict[str, Any], outcome: dict[str, Any]
) -> bool:
    """Salesforce refused only fields it takes on create: the record exists already."""
    if outcome.get("success"):
        return False
    errors = outcome.get("errors") or []
    refused = {str(name) for error in errors for name in error.get("fields") or []}
    create_only = {
        name for name in record if name in schema.fields and schema.fields[name].create_only
    }
    return _codes(outcome) == {CREATE_ONLY_REFUSED} and bool(refused) and refused <= create_only


def _codes(outcome: dict[str, Any]) -> set[str]:
    return {str(error.get("statusCode", "")) for error in outcome.get("errors") or []}


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
