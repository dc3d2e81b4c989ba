"""Finding a call's Contact or Account, its Case or deal, and its agent's User, a few queries per
batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.core.domain import CrmLinks, MatchHint
from integrations.salesforce import soql
from integrations.salesforce.connection import SalesforceConnection


@dataclass
class _Found:
    contact_id: str | None = None
    account_id: str | None = None
    case_id: str | None = None
    opportunity_id: str | None = None


class Matcher:
    """Looks many calls up at once: one query per kind of lookup and 100 values."""

    def __init__(self, connection: SalesforceConnection) -> None:
        self.connection = connection
        self._users: dict[str, str | None] = {}
        # Answers kept while a batch is retried after a failure, so only failed queries repeat.
        self._answers: dict[str, list[dict[str, Any]]] = {}

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        found = [_Found(h.contact_id, h.account_id, opportunity_id=h.opportunity_id) for h in hints]
        self._contacts_by(hints, found, "Email", lambda h: h.email)
        self._contacts_by(hints, found, "Phone", lambda h: h.phone)
        self._accounts_by_phone(hints, found)
        self._accounts_of_opportunities(found)
        self._cases(hints, found)
        self._open_opportunities(found)
        self._owners([h.agent_email for h in hints if h.agent_email and not h.agent_crm_user_id])
        self._answers.clear()
        fallback = self.connection.integration_user_id()
        return [self._links(h, f, fallback) for h, f in zip(hints, found, strict=True)]

    def _links(self, hint: MatchHint, found: _Found, fallback: str | None) -> CrmLinks | None:
        """The records found; the owner is the agent's active User, else the integration user."""
        if not (found.contact_id or found.account_id):
            return None
        agent = hint.agent_crm_user_id or self._users.get((hint.agent_email or "").lower())
        owner = agent or fallback
        return CrmLinks(
            found.contact_id, found.account_id, found.case_id, owner, found.opportunity_id
        )

    def _contacts_by(
        self, hints: Sequence[MatchHint], found: list[_Found], how: str, key: Any
    ) -> None:
        todo = [(h, f) for h, f in zip(hints, found, strict=True) if _unknown(f) and key(h)]
        if not todo:
            return
        where = "Email IN {0}" if how == "Email" else "(Phone IN {0} OR MobilePhone IN {0})"
        rows = self._select(
            "Id, AccountId, Email, Phone, MobilePhone", "Contact", where, [key(h) for h, _ in todo]
        )
        index: dict[str, dict[str, Any]] = {}
        for row in rows:
            for field in ("Email",) if how == "Email" else ("Phone", "MobilePhone"):
                if row.get(field):
                    index.setdefault(_norm(str(row[field])), row)
        for hint, f in todo:
            match = index.get(_norm(key(hint)))
            if match:
                f.contact_id, f.account_id = match["Id"], match.get("AccountId")

    def _accounts_by_phone(self, hints: Sequence[MatchHint], found: list[_Found]) -> None:
        todo = [(h, f) for h, f in zip(hints, found, strict=True) if _unknown(f) and h.phone]
        if not todo:
            return
        rows = self._select(
            "Id, Phone", "Account", "Phone IN {0}", [h.phone or "" for h, _ in todo]
        )
        index = {_norm(str(row["Phone"])): row["Id"] for row in rows if row.get("Phone")}
        for hint, f in todo:
            f.account_id = index.get(_norm(hint.phone or ""))

    def _cases(self, hints: Sequence[MatchHint], found: list[_Found]) -> None:
        numbers = [h.case_ref for h in hints if h.case_ref and h.case_ref.isdigit()]
        by_number: dict[str, str] = {}
        if numbers:
            rows = self._select("Id, CaseNumber", "Case", "CaseNumber IN {0}", numbers)
            by_number = {str(row["CaseNumber"]): row["Id"] for row in rows}
        for hint, f in zip(hints, found, strict=True):
            if hint.case_ref:
                f.case_id = (
                    by_number.get(hint.case_ref) if hint.case_ref.isdigit() else hint.case_ref
                )
        # A call about a deal is not filed on the contact's open case.
        self._open_cases(
            [
                f
                for h, f in zip(hints, found, strict=True)
                if not h.case_ref and not f.opportunity_id and f.contact_id
            ]
        )

    def _open_cases(self, todo: list[_Found]) -> None:
        if not todo:
            return
        where = "ContactId IN {0} AND IsClosed = false ORDER BY CreatedDate DESC"
        rows = self._select("Id, ContactId", "Case", where, [f.contact_id or "" for f in todo])
        newest: dict[str, str] = {}
        for row in rows:
            newest.setdefault(str(row["ContactId"]), row["Id"])
        for f in todo:
            f.case_id = newest.get(f.contact_id or "")

    def _accounts_of_opportunities(self, found: list[_Found]) -> None:
        """A call uploaded with only its deal belongs to the deal's Account."""
        todo = [f for f in found if _unknown(f) and f.opportunity_id]
        if not todo:
            return
        ids = [f.opportunity_id or "" for f in todo]
        rows = self._select("Id, AccountId", "Opportunity", "Id IN {0}", ids)
        accounts = {str(row["Id"]): row.get("AccountId") for row in rows}
        for f in todo:
            f.account_id = accounts.get(f.opportunity_id or "")

    def _open_opportunities(self, found: list[_Found]) -> None:
        """A call on an Account with exactly one open deal, and no Case, is about that deal."""
        todo = [f for f in found if f.account_id and not (f.case_id or f.opportunity_id)]
        if not todo:
            return
        where = "AccountId IN {0} AND IsClosed = false"
        rows = self._select(
            "Id, AccountId", "Opportunity", where, [f.account_id or "" for f in todo]
        )
        deals: dict[str, list[str]] = {}
        for row in rows:
            deals.setdefault(str(row["AccountId"]), []).append(str(row["Id"]))
        for f in todo:
            only = deals.get(f.account_id or "", [])
            f.opportunity_id = only[0] if len(only) == 1 else None

    def _owners(self, emails: list[str]) -> None:
        todo = [email.lower() for email in emails if email.lower() not in self._users]
        if not todo:
            return
        rows = self._select("Id, Email", "User", "Email IN {0} AND IsActive = true", todo)
        for email in todo:
            self._users[email] = None
        for row in rows:
            self._users[str(row["Email"]).lower()] = row["Id"]

    def _select(
        self, fields: str, sobject: str, where: str, values: list[str]
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for chunk in soql.chunks(values):
            condition = where.format(soql.in_list(chunk))
            query = f"SELECT {fields} FROM {sobject} WHERE {condition}"
            if query not in self._answers:
                self._answers[query] = self.connection.query(query)
            rows += self._answers[query]
        return rows


def _unknown(found: _Found) -> bool:
    return not (found.contact_id or found.account_id)


def _norm(value: str) -> str:
    return value.strip().lower()
