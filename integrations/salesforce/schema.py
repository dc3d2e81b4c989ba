"""What the org says each object's fields are (``describe``), kept a while in the process.

Describe answers for the integration user: a field it may not see is missing, a field it may
not edit is neither createable nor updateable, so the answer is also a permission check.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrations.salesforce.connection import SalesforceConnection

DEFAULT_DESCRIBE_TTL_S = 3600.0


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    length: int
    createable: bool
    updateable: bool
    restricted: bool
    values: tuple[str, ...]
    """Active picklist values, in the org's order."""
    default: str | None = None

    @property
    def create_only(self) -> bool:
        return self.createable and not self.updateable


@dataclass(frozen=True)
class ObjectSchema:
    name: str
    fields: dict[str, FieldInfo]


def parse_describe(body: dict[str, Any]) -> ObjectSchema:
    fields = {str(raw["name"]): _field(raw) for raw in body.get("fields") or []}
    return ObjectSchema(str(body.get("name", "")), fields)


def _field(raw: dict[str, Any]) -> FieldInfo:
    active = [v for v in raw.get("picklistValues") or [] if v.get("active", True)]
    default = next((str(v["value"]) for v in active if v.get("defaultValue")), None)
    return FieldInfo(
        name=str(raw["name"]),
        type=str(raw.get("type", "")),
        length=int(raw.get("length") or 0),
        createable=bool(raw.get("createable")),
        updateable=bool(raw.get("updateable")),
        restricted=bool(raw.get("restrictedPicklist")),
        values=tuple(str(v["value"]) for v in active),
        default=default,
    )


class SchemaCache:
    """One ``describe`` request per object and ``ttl_s``; ``forget`` makes the next use ask again
    (after Salesforce refused a field, an admin may have changed it)."""

    def __init__(
        self,
        connection: SalesforceConnection,
        ttl_s: float = DEFAULT_DESCRIBE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection, self.ttl_s, self._clock = connection, ttl_s, clock
        self._known: dict[str, tuple[float, ObjectSchema]] = {}
        self._lock = threading.Lock()

    def get(self, sobject: str) -> ObjectSchema:
        """The object's fields; raises what the connection raises when describe fails."""
        with self._lock:
            kept = self._known.get(sobject)
        if kept is not None and self._clock() < kept[0]:
            return kept[1]
        body = self.connection.rest("GET", f"sobjects/{sobject}/describe", None)
        schema = parse_describe(body)
        with self._lock:
            self._known[sobject] = (self._clock() + self.ttl_s, schema)
        return schema

    def forget(self, sobject: str) -> None:
        with self._lock:
            self._known.pop(sobject, None)
