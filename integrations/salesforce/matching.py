"""Finding a call's Contact or Account, its Case or deal, and its agent's User: a few queries per
batch of calls, and none for what was looked up a short while ago."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agent.core.domain import CrmLinks, MatchHint
from integrations.salesforce import soql
from integrations.salesforce.connection import SalesforceConnection
from integrations.salesforce.lookups import LookupCache

Row = dict[str, Any]
OPEN_CASES = "Case.open"


@dataclass
class _Found:
    contact_id: str | None = None
    account_id: str | None = None
    case_id: str | None = None
    opportunity_id: str | None = None


class Matcher:
    """Looks many calls up at once: one query per kind of lookup, as many values as fit in it."""

    def __init__(self, connection: SalesforceConnection, cache: LookupCache) -> None:
        self.connection, self.cache = connection, cache

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        found = [_Found(h.contact_id, h.account_id, opportunity_id=h.opportunity_id) for h in hints]
        self._contacts_by_email(hints, found)
        self._contacts_by_phone(hints, found)
        self._accounts_by_phone(hints, found)
        self._accounts_of_opportunities(found)
        self._cases(hints, found)
        self._open_opportunities(found)
        owners = self._owners(
            [h.agent_email for h in hints if h.agent_email and not h.agent_crm_user_id]
        )
        fallback = self.connection.integration_user_id()
        return [self._links(h, f, owners, fallback) for h, f in zip(hints, found, strict=True)]

    def forget_open_cases(self, case_ids: Iterable[str]) -> None:
        """Cases Callsight just wrote may have closed: the next call asks Salesforce again."""
        self.cache.forget(OPEN_CASES, set(case_ids))

    def _links(
        self, hint: MatchHint, found: _Found, owners: dict[str, Any], fallback: str | None
    ) -> CrmLinks | None:
        """The records found; the owner is the agent's active User, else the integration user."""
        if not (found.contact_id or found.account_id):
            return None
        agent = hint.agent_crm_user_id or owners.get(_norm(hint.agent_email or ""))
        return CrmLinks(
            found.contact_id,
            found.account_id,
            found.case_id,
            agent or fallback,
            found.opportunity_id,
        )

    def _contacts_by_email(self, hints: Sequence[MatchHint], found: list[_Found]) -> None:
        todo = [
            (f, _norm(h.email))
            for h, f in zip(hints, found, strict=True)
            if _unknown(f) and h.email
        ]
        where = "Email IN {0}"
        self._apply_contacts(todo, "Contact.Email", where, ("Email",))

    def _contacts_by_phone(self, hints: Sequence[MatchHint], found: list[_Found]) -> None:
        todo = [
            (f, _norm(h.phone))
            for h, f in zip(hints, found, strict=True)
            if _unknown(f) and h.phone
        ]
        where = "(Phone IN {0} OR MobilePhone IN {0})"
        self._apply_contacts(todo, "Contact.Phone", where, ("Phone", "MobilePhone"))

    def _apply_contacts(
        self, todo: list[tuple[_Found, str]], kind: str, where: str, fields: tuple[str, ...]
    ) -> None:
        if not todo:
            return
        template = f"SELECT Id, AccountId, Email, Phone, MobilePhone FROM Contact WHERE {where}"
        contacts = self._lookup(
            kind, [value for _, value in todo], template, _first_by(fields, _norm, _contact)
        )
        for f, value in todo:
            if contacts.get(value):
                f.contact_id, f.account_id = contacts[value]

    def _accounts_by_phone(self, hints: Sequence[MatchHint], found: list[_Found]) -> None:
        todo = [
            (f, _norm(h.phone))
            for h, f in zip(hints, found, strict=True)
            if _unknown(f) and h.phone
        ]
        if not todo:
            return
        template = "SELECT Id, Phone FROM Account WHERE Phone IN {0}"
        accounts = self._lookup(
            "Account.Phone",
            [value for _, value in todo],
            template,
            _first_by(("Phone",), _norm, _id),
        )
        for f, value in todo:
            f.account_id = accounts.get(value)

    def _accounts_of_opportunities(self, found: list[_Found]) -> None:
        """A call uploaded with only its deal belongs to the deal's Account."""
        todo = [f for f in found if _unknown(f) and f.opportunity_id]
        if not todo:
            return
        template = "SELECT Id, AccountId FROM Opportunity WHERE Id IN {0}"
        accounts = self._lookup(
            "Opportunity.Account",
            [f.opportunity_id or "" for f in todo],
            template,
            _first_by(("Id",), str, lambda row: row.get("AccountId")),
        )
        for f in todo:
            f.account_id = accounts.get(f.opportunity_id or "")

    def _cases(self, hints: Sequence[MatchHint], found: list[_Found]) -> None:
        numbers = [_norm(h.case_ref) for h in hints if h.case_ref and h.case_ref.isdigit()]
        by_number: dict[str, Any] = {}
        if numbers:
            template = "SELECT Id, CaseNumber FROM Case WHERE CaseNumber IN {0}"
            index = _first_by(("CaseNumber",), _norm, _id)
            by_number = self._lookup("Case.CaseNumber", numbers, template, index)
        for hint, f in zip(hints, found, strict=True):
            if hint.case_ref:
                ref = hint.case_ref
                f.case_id = by_number.get(_norm(ref)) if ref.isdigit() else ref
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
        template = (
            "SELECT Id, ContactId FROM Case WHERE ContactId IN {0} AND IsClosed = false "
            "ORDER BY CreatedDate DESC"
        )
        newest = self._lookup(
            OPEN_CASES,
            [f.contact_id or "" for f in todo],
            template,
            _first_by(("ContactId",), str, _id),
        )
        for f in todo:
            f.case_id = newest.get(f.contact_id or "")

    def _open_opportunities(self, found: list[_Found]) -> None:
        """A call on an Account with exactly one open deal, and no Case, is about that deal."""
        todo = [f for f in found if f.account_id and not (f.case_id or f.opportunity_id)]
        if not todo:
            return
        template = (
            "SELECT Id, AccountId FROM Opportunity WHERE AccountId IN {0} AND IsClosed = false"
        )
        deals = self._lookup(
            "Opportunity.open", [f.account_id or "" for f in todo], template, _deals_by_account
        )
        for f in todo:
            only = deals.get(f.account_id or "") or []
            f.opportunity_id = only[0] if len(only) == 1 else None

    def _owners(self, emails: list[str]) -> dict[str, Any]:
        if not emails:
            return {}
        template = "SELECT Id, Email FROM User WHERE Email IN {0} AND IsActive = true"
        index = _first_by(("Email",), _norm, _id)
        return self._lookup("User.Email", [_norm(email) for email in emails], template, index)

    def _lookup(
        self,
        kind: str,
        values: list[str],
        template: str,
        index: Callable[[list[Row]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Each value's answer: kept ones from the cache, the rest from Salesforce."""

        def fetch(missing: list[str]) -> dict[str, Any]:
            rows = [
                row for q in soql.queries(template, missing) for row in self.connection.query(q)
            ]
            return index(rows)

        return self.cache.get(kind, values, fetch)


def _first_by(
    fields: tuple[str, ...], key: Callable[[str], str], pick: Callable[[Row], Any]
) -> Callable[[list[Row]], dict[str, Any]]:
    """An index of rows by the value of any of ``fields``; the first row found wins."""

    def index(rows: list[Row]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for row in rows:
            for field in fields:
                if row.get(field):
                    found.setdefault(key(str(row[field])), pick(row))
        return found

    return index


def _deals_by_account(rows: list[Row]) -> dict[str, Any]:
    deals: dict[str, list[str]] = {}
    for row in rows:
        deals.setdefault(str(row["AccountId"]), []).append(str(row["Id"]))
    return dict(deals)


def _contact(row: Row) -> tuple[str, str | None]:
    return str(row["Id"]), row.get("AccountId")


def _id(row: Row) -> str:
    return str(row["Id"])


def _unknown(found: _Found) -> bool:
    return not (found.contact_id or found.account_id)


def _norm(value: str) -> str:
    return value.strip().lower()
