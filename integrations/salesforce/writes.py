"""Writing records with sObject Collections of up to 200 records, every collection of a flush
packed into one composite request (up to five collections each).

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
from integrations.salesforce import composite
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


@dataclass(frozen=True)
class _Batch:
    """One sObject Collections request: up to 200 records of one group."""

    group: Group
    schema: ObjectSchema
    records: list[tuple[_Item, dict[str, Any]]]


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
        batches: list[_Batch] = []
        for group, items in self._groups(ready, results).items():
            schema = self._schema(group, items, results)
            if schema is not None:
                batches += self._batches(group, schema, items, results)
        again = self._send(batches, results)
        if again:  # met records an unanswered attempt had made: update them instead
            self._send(again, results)
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

    def _schema(
        self, group: Group, items: list[_Item], results: dict[int, CrmWriteResult]
    ) -> ObjectSchema | None:
        try:
            return self.schemas.get(group.object_type)
        except Exception as error:
            message, retriable = describe_error(error)
            text = f"could not read the fields of {group.object_type}: {message}"
            for item in items:
                results[item.index] = CrmWriteResult(item.write.external_id, None, text, retriable)
            return None

    def _batches(
        self,
        group: Group,
        schema: ObjectSchema,
        items: list[_Item],
        results: dict[int, CrmWriteResult],
    ) -> list[_Batch]:
        """The items fitted to the org, in collections of at most ``batch_size``."""
        fitted: list[tuple[_Item, dict[str, Any]]] = []
        for item in items:
            try:
                fitted.append((item, self._record(group, schema, item)))
            except FieldRefused as refused:
                results[item.index] = CrmWriteResult(item.write.external_id, None, str(refused))
                self.schemas.forget(group.object_type)  # an admin's fix is seen on retry
        return [
            _Batch(group, schema, fitted[start : start + self.batch_size])
            for start in range(0, len(fitted), self.batch_size)
        ]

    def _send(self, batches: list[_Batch], results: dict[int, CrmWriteResult]) -> list[_Batch]:
        """Sends every batch in as few composite requests as the limits allow; returns the
        batches to send again without their create-only fields."""
        if not batches:
            return []
        try:
            answers = composite.send(self.connection, [self._subrequest(b) for b in batches])
        except Exception as error:
            message, retriable = describe_error(error)
            for batch in batches:
                for item, _ in batch.records:
                    results[item.index] = CrmWriteResult(
                        item.write.external_id, None, message, retriable
                    )
            return []
        again: list[_Batch] = []
        for batch, answer in zip(batches, answers, strict=True):
            items = self._outcomes(batch, answer, results)
            if items:
                again += self._batches(batch.group, batch.schema, items, results)
        return again

    def _subrequest(self, batch: _Batch) -> composite.Subrequest:
        body = {"allOrNone": False, "records": [record for _, record in batch.records]}
        path = "composite/sobjects"
        if batch.group.operation == "upsert":
            path = f"composite/sobjects/{batch.group.object_type}/{self.external_id_field}"
        method = "POST" if batch.group.operation == "create" else "PATCH"
        return composite.Subrequest(method, path, body)

    def _outcomes(
        self, batch: _Batch, answer: Any, results: dict[int, CrmWriteResult]
    ) -> list[_Item]:
        """Records each record's outcome; returns the items to send again."""
        if isinstance(answer, Exception):
            message, retriable = describe_error(answer)
            for item, _ in batch.records:
                results[item.index] = CrmWriteResult(
                    item.write.external_id, None, message, retriable
                )
            return []
        again: list[_Item] = []
        for (item, record), outcome in zip(batch.records, answer or [], strict=True):
            if item.creating and _refused_create_only(batch.schema, record, outcome):
                again.append(_Item(item.index, item.write, creating=False))
                continue
            results[item.index] = _result(item.write, outcome)
            if _codes(outcome) & SCHEMA_ERRORS:
                self.schemas.forget(batch.group.object_type)
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
