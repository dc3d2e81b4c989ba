"""The CRM port on Salesforce: batched matching and batched, idempotent writes."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from agent.core.domain import CrmLinks, CrmWrite, CrmWriteResult, MatchHint
from agent.core.ports import CrmUnavailable, StageError
from integrations.salesforce.connection import SalesforceConnection, describe_error
from integrations.salesforce.limits import ApiReserveReached
from integrations.salesforce.lookups import DEFAULT_LOOKUP_TTL_S, LookupCache
from integrations.salesforce.matching import Matcher
from integrations.salesforce.schema import DEFAULT_DESCRIBE_TTL_S, SchemaCache
from integrations.salesforce.writes import COLLECTION_LIMIT, CollectionWriter

DEFAULT_EXTERNAL_ID_FIELD = "Callsight_Id__c"


class SalesforceCrm:
    """Writes through sObject Collections; Tasks are upserted by an external id field.

    Each object's fields are read with ``describe`` (kept ``describe_ttl_s`` seconds), and every
    record is fitted to them before it is sent. Lookups are kept ``lookup_ttl_s`` seconds.
    """

    name = "salesforce"

    def __init__(
        self,
        connection: SalesforceConnection,
        external_id_field: str = DEFAULT_EXTERNAL_ID_FIELD,
        upsert_objects: Sequence[str] = ("Task",),
        batch_size: int = COLLECTION_LIMIT,
        describe_ttl_s: float = DEFAULT_DESCRIBE_TTL_S,
        lookup_ttl_s: float = DEFAULT_LOOKUP_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection = connection
        self.schemas = SchemaCache(connection, describe_ttl_s, clock)
        self._writer = CollectionWriter(
            connection, external_id_field, upsert_objects, self.schemas, batch_size
        )
        self._matcher = Matcher(connection, LookupCache(lookup_ttl_s, clock))

    @property
    def api_requests(self) -> int:
        """REST API requests made so far (logins not included)."""
        return self.connection.api_requests

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        """Raises CrmUnavailable, sending nothing, while the org's API limit is at the reserve."""
        try:
            self.connection.limits.ensure_room()
        except ApiReserveReached as error:
            raise CrmUnavailable(f"Salesforce: {error}") from error
        results = self._writer.write(writes)
        self._matcher.forget_open_cases(
            result.crm_id
            for write, result in zip(writes, results, strict=True)
            if write.object_type == "Case" and result.ok and result.crm_id
        )
        return results

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        try:
            return self._matcher.match(hints)
        except Exception as error:
            message, retriable = describe_error(error)
            if retriable:
                raise CrmUnavailable(f"Salesforce: {message}") from error
            raise StageError(f"Salesforce: {message}") from error
