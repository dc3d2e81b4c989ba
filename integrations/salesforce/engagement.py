"""Engagement on Salesforce: Account lifecycle dates and won Opportunities read with SOQL, the
health score and risk reason written back to Account fields in composite requests."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from agent.core.engagement_port import AccountLifecycle, Deal, HealthUpdate
from agent.core.ports import CrmUnavailable, StageError
from integrations.salesforce import composite
from integrations.salesforce.connection import SalesforceConnection, describe_error
from integrations.salesforce.fitting import FieldRefused, fit
from integrations.salesforce.schema import DEFAULT_DESCRIBE_TTL_S, ObjectSchema, SchemaCache
from integrations.salesforce.writes import COLLECTION_LIMIT

T = TypeVar("T")
DATE_TYPES = frozenset({"date", "datetime"})
MULTI_CURRENCY_FIELD = "CurrencyIsoCode"


@dataclass(frozen=True)
class EngagementFields:
    """The Account fields read and written; an admin may name them otherwise."""

    customer_since: str = "Callsight_Customer_Since__c"
    churned_at: str = "Callsight_Churned_At__c"
    health_score: str = "Callsight_Health_Score__c"
    risk_reason: str = "Callsight_Risk_Reason__c"


class SalesforceEngagement:
    """The engagement port on one org. Errors come out as the CRM port's: CrmUnavailable when
    trying again may help, StageError (naming the field) when an admin must act."""

    def __init__(
        self,
        connection: SalesforceConnection,
        fields: EngagementFields | None = None,
        currency: str = "USD",
        describe_ttl_s: float = DEFAULT_DESCRIBE_TTL_S,
        batch_size: int = COLLECTION_LIMIT,
    ) -> None:
        self.connection, self.fields = connection, fields or EngagementFields()
        self.currency, self.batch_size = currency, batch_size
        self.schemas = SchemaCache(connection, describe_ttl_s)

    def accounts(self, after: str | None) -> list[AccountLifecycle]:
        since, churned = self.fields.customer_since, self.fields.churned_at
        self._readable_dates("Account", (since, churned))
        rows = self._query(
            f"SELECT Id, {since}, {churned}, SystemModstamp FROM Account"
            f"{_changed_after(after)} ORDER BY SystemModstamp"
        )
        return [
            AccountLifecycle(
                str(row["Id"]),
                _moment(row.get(since)),
                _moment(row.get(churned)),
                str(row["SystemModstamp"]),
            )
            for row in rows
        ]

    def deals(self, after: str | None) -> list[Deal]:
        multi_currency = MULTI_CURRENCY_FIELD in self._schema("Opportunity").fields
        columns = "Id, AccountId, IsWon, Amount, CloseDate, SystemModstamp"
        if multi_currency:
            columns += f", {MULTI_CURRENCY_FIELD}"
        where = " WHERE IsWon = true" if after is None else _changed_after(after)
        rows = self._query(f"SELECT {columns} FROM Opportunity{where} ORDER BY SystemModstamp")
        return [self._deal(row) for row in rows]

    def _deal(self, row: dict[str, Any]) -> Deal:
        amount = row.get("Amount")
        return Deal(
            deal_id=str(row["Id"]),
            account_id=row.get("AccountId") or None,
            won=bool(row.get("IsWon")),
            amount=None if amount is None else decimal.Decimal(str(amount)),
            closed=_moment(row.get("CloseDate")),
            currency=str(row.get(MULTI_CURRENCY_FIELD) or self.currency).upper(),
            stamp=str(row["SystemModstamp"]),
        )

    def write_health(self, updates: Sequence[HealthUpdate]) -> list[str | None]:
        schema = self._schema("Account")
        self._updateable(schema, (self.fields.health_score, self.fields.risk_reason))
        try:
            records = [self._record(schema, update) for update in updates]
        except FieldRefused as error:
            self.schemas.forget("Account")
            raise StageError(f"Salesforce: {error}") from error
        batches = [
            records[start : start + self.batch_size]
            for start in range(0, len(records), self.batch_size)
        ]
        subrequests = [
            composite.Subrequest(
                "PATCH", "composite/sobjects", {"allOrNone": False, "records": batch}
            )
            for batch in batches
        ]
        answers = self._call(lambda: composite.send(self.connection, subrequests))
        errors: list[str | None] = []
        for batch, answer in zip(batches, answers, strict=True):
            errors += _errors(batch, answer)
        return errors

    def _record(self, schema: ObjectSchema, update: HealthUpdate) -> dict[str, Any]:
        values: dict[str, object] = {
            self.fields.health_score: update.score,
            self.fields.risk_reason: update.reason,
        }
        fitted = fit(schema, values, creating=False)
        return {"attributes": {"type": "Account"}, "id": update.account_id, **fitted}

    def _updateable(self, schema: ObjectSchema, names: Sequence[str]) -> None:
        for name in names:
            field = schema.fields.get(name)
            if field is None or not field.updateable:
                self.schemas.forget(schema.name)
                seen = "may not be set" if field else "is not a field the integration user can see"
                raise StageError(
                    f"Salesforce: {schema.name}.{name} {seen}; create it or name another "
                    "(docs/salesforce.md), and give the Callsight permission set Edit access to it"
                )

    def _readable_dates(self, sobject: str, names: Sequence[str]) -> None:
        schema = self._schema(sobject)
        for name in names:
            field = schema.fields.get(name)
            if field is None:
                raise StageError(
                    f"Salesforce: {sobject}.{name} is not a field the integration user can see;"
                    " create it or name another (docs/salesforce.md), and give the Callsight"
                    " permission set Read access to it"
                )
            if field.type not in DATE_TYPES:
                raise StageError(
                    f"Salesforce: {sobject}.{name} is a {field.type} field; a date or date/time"
                    " field is needed"
                )

    def _schema(self, sobject: str) -> ObjectSchema:
        return self._call(lambda: self.schemas.get(sobject))

    def _query(self, soql: str) -> list[dict[str, Any]]:
        return self._call(lambda: self.connection.query(soql))

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except (StageError, FieldRefused):
            raise
        except Exception as error:
            message, retriable = describe_error(error)
            if retriable:
                raise CrmUnavailable(f"Salesforce: {message}") from error
            raise StageError(f"Salesforce: {message}") from error


def _changed_after(stamp: str | None) -> str:
    """A WHERE clause from a stamp the org wrote: re-formatted from its parsed value, so that
    nothing of the text itself reaches the query. The stamp's own instant is asked for again."""
    if stamp is None:
        return ""
    moment = _moment(stamp)
    if not isinstance(moment, dt.datetime):
        raise ValueError(f"not a date/time stamp: {stamp!r}")
    utc = moment.astimezone(dt.UTC).replace(microsecond=0)
    return f" WHERE SystemModstamp >= {utc.strftime('%Y-%m-%dT%H:%M:%SZ')}"


def _moment(value: object) -> dt.date | None:
    """A Salesforce date (``2026-03-01``) or date/time (``2026-03-01T09:30:00.000+0000``)."""
    if not value:
        return None
    text = str(value)
    if "T" not in text:
        return dt.date.fromisoformat(text)
    if text[-5] in "+-" and text[-3] != ":":  # +0000, which fromisoformat reads only from 3.12
        text = f"{text[:-2]}:{text[-2:]}"
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _errors(batch: list[dict[str, Any]], answer: Any) -> list[str | None]:
    if isinstance(answer, composite.SubrequestFailed):
        return [str(answer)] * len(batch)
    outcomes = answer if isinstance(answer, list) else []
    if len(outcomes) != len(batch):
        return ["Salesforce answered without a result for this record"] * len(batch)
    return [None if outcome.get("success") else _message(outcome) for outcome in outcomes]


def _message(outcome: dict[str, Any]) -> str:
    errors = outcome.get("errors") or [{}]
    return "; ".join(
        f"{e.get('statusCode', '')}: {e.get('message', '')}".strip(": ") for e in errors
    )
