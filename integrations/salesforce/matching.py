"""Finding a call's Contact or Account, its Case or deal, and its agent's User: one composite
request per batch of calls when customers are found by email (more when by phone or for deals),
and no query for what was looked up a short while ago."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.core.domain import CrmLinks, MatchHint
from integrations.salesforce import composite, soql
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


@dataclass
class _Lookup:
    """One kind of lookup: the values asked about, the query template, how rows are indexed;
    ``answers`` once run. An uncached lookup answers by the index's own keys."""

    kind: str
    values: list[str]
    template: str
    index: Callable[[list[Row]], dict[str, Any]]
    cached: bool = True
    answers: dict[str, Any] = field(default_factory=dict)


class Matcher:
    """Looks many calls up at once: the lookups that do not wait on each other go in one
    composite request, each kind in as few queries as fit."""

    def __init__(self, connection: SalesforceConnection, cache: LookupCache) -> None:
        self.connection, self.cache = connection, cache

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        found = [_Found(h.contact_id, h.account_id, opportunity_id=h.opportunity_id) for h in hints]
        emails = [
            (f, _norm(h.email))
            for h, f in zip(hints, found, strict=True)
            if _unknown(f) and h.email
        ]
        by_email = self._contacts("Contact.Email", emails, "Email IN {0}", ("Email",))
        prefetch = self._open_cases_of_emails(by_email)
        numbers = self._case_numbers(hints)
        owners = self._owners(
            [h.agent_email for h in hints if h.agent_email and not h.agent_crm_user_id]
        )
        self._run([by_email, prefetch, numbers, owners])
        _apply_contacts(emails, by_email)
        self._keep_prefetched(by_email, prefetch)
        self._by_phone(hints, found)
        self._cases(hints, found, numbers.answers, prefetch.answers)
        self._open_opportunities(found)
        fallback = self.connection.integration_user_id()
        return [
            self._links(h, f, owners.answers, fallback) for h, f in zip(hints, found, strict=True)
        ]

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

    def _contacts(
        self, kind: str, todo: list[tuple[_Found, str]], where: str, fields: tuple[str, ...]
    ) -> _Lookup:
        template = f"SELECT Id, AccountId, Email, Phone, MobilePhone FROM Contact WHERE {where}"
        values = [value for _, value in todo]
        return _Lookup(kind, values, template, _first_by(fields, _norm, _contact))

    def _open_cases_of_emails(self, by_email: _Lookup) -> _Lookup:
        """The open Cases of the Contacts about to be looked up by email, asked in the same
        composite request (a semi-join), so matching them needs no second round."""
        _, missing = self.cache.known(by_email.kind, by_email.values)
        template = (
            "SELECT Id, ContactId FROM Case WHERE IsClosed = false AND ContactId IN "
            "(SELECT Id FROM Contact WHERE Email IN {0}) ORDER BY CreatedDate DESC"
        )
        index = _first_by(("ContactId",), str, _id)
        return _Lookup("Case.open.byEmail", missing, template, index, cached=False)

    def _keep_prefetched(self, by_email: _Lookup, prefetch: _Lookup) -> None:
        asked = set(prefetch.values)
        contacts = [
            str(answer[0])
            for value, answer in by_email.answers.items()
            if value in asked and answer
        ]
        prefetch.answers = {c: prefetch.answers.get(c) for c in contacts}
        self.cache.keep(OPEN_CASES, contacts, prefetch.answers)

    def _case_numbers(self, hints: Sequence[MatchHint]) -> _Lookup:
        numbers = [_norm(h.case_ref) for h in hints if h.case_ref and h.case_ref.isdigit()]
        template = "SELECT Id, CaseNumber FROM Case WHERE CaseNumber IN {0}"
        return _Lookup("Case.CaseNumber", numbers, template, _first_by(("CaseNumber",), _norm, _id))

    def _owners(self, emails: list[str]) -> _Lookup:
        template = "SELECT Id, Email FROM User WHERE Email IN {0} AND IsActive = true"
        values = [_norm(email) for email in emails]
        return _Lookup("User.Email", values, template, _first_by(("Email",), _norm, _id))

    def _by_phone(self, hints: Sequence[MatchHint], found: list[_Found]) -> None:
        phones = [
            (f, _norm(h.phone))
            for h, f in zip(hints, found, strict=True)
            if _unknown(f) and h.phone
        ]
        where = "(Phone IN {0} OR MobilePhone IN {0})"
        contacts = self._contacts("Contact.Phone", phones, where, ("Phone", "MobilePhone"))
        self._run([contacts])
        _apply_contacts(phones, contacts)
        phones = [(f, value) for f, value in phones if _unknown(f)]
        deals = [f for f in found if _unknown(f) and f.opportunity_id]
        accounts = _Lookup(
            "Account.Phone",
            [value for _, value in phones],
            "SELECT Id, Phone FROM Account WHERE Phone IN {0}",
            _first_by(("Phone",), _norm, _id),
        )
        # A call uploaded with only its deal belongs to the deal's Account.
        deal_accounts = _Lookup(
            "Opportunity.Account",
            [f.opportunity_id or "" for f in deals],
            "SELECT Id, AccountId FROM Opportunity WHERE Id IN {0}",
            _first_by(("Id",), str, lambda row: row.get("AccountId")),
        )
        self._run([accounts, deal_accounts])
        for f, value in phones:
            f.account_id = accounts.answers.get(value)
        for f in deals:
            f.account_id = f.account_id or deal_accounts.answers.get(f.opportunity_id or "")

    def _cases(
        self,
        hints: Sequence[MatchHint],
        found: list[_Found],
        by_number: dict[str, Any],
        prefetched: dict[str, Any],
    ) -> None:
        for hint, f in zip(hints, found, strict=True):
            if hint.case_ref:
                ref = hint.case_ref
                f.case_id = by_number.get(_norm(ref)) if ref.isdigit() else ref
        # A call about a deal is not filed on the contact's open case.
        todo = [
            f
            for h, f in zip(hints, found, strict=True)
            if not h.case_ref and not f.opportunity_id and f.contact_id
        ]
        for f in todo:
            f.case_id = prefetched.get(f.contact_id or "")
        self._open_cases([f for f in todo if (f.contact_id or "") not in prefetched])

    def _open_cases(self, todo: list[_Found]) -> None:
        template = (
            "SELECT Id, ContactId FROM Case WHERE ContactId IN {0} AND IsClosed = false "
            "ORDER BY CreatedDate DESC"
        )
        index = _first_by(("ContactId",), str, _id)
        newest = _Lookup(OPEN_CASES, [f.contact_id or "" for f in todo], template, index)
        self._run([newest])
        for f in todo:
            f.case_id = newest.answers.get(f.contact_id or "")

    def _open_opportunities(self, found: list[_Found]) -> None:
        """A call on an Account with exactly one open deal, and no Case, is about that deal."""
        todo = [f for f in found if f.account_id and not (f.case_id or f.opportunity_id)]
        template = (
            "SELECT Id, AccountId FROM Opportunity WHERE AccountId IN {0} AND IsClosed = false"
        )
        accounts = [f.account_id or "" for f in todo]
        deals = _Lookup("Opportunity.open", accounts, template, _deals_by_account)
        self._run([deals])
        for f in todo:
            only = deals.answers.get(f.account_id or "") or []
            f.opportunity_id = only[0] if len(only) == 1 else None

    def _run(self, lookups: list[_Lookup]) -> None:
        """Answers every lookup: kept answers from the cache, the rest from Salesforce, every
        query of them in one composite request (more only past its limits)."""
        asked: list[tuple[_Lookup, list[str], list[str]]] = []
        for lookup in lookups:
            if lookup.cached:
                lookup.answers, missing = self.cache.known(lookup.kind, lookup.values)
            else:
                lookup.answers, missing = {}, list(dict.fromkeys(lookup.values))
            queries = list(soql.queries(lookup.template, missing)) if missing else []
            asked.append((lookup, missing, queries))
        subrequests = [
            composite.Subrequest("GET", composite.query_path(q)) for _, _, qs in asked for q in qs
        ]
        pages = iter(composite.send(self.connection, subrequests) if subrequests else [])
        for lookup, missing, queries in asked:
            rows = [row for _ in queries for row in self._records(next(pages))]
            if not queries:
                continue
            fetched = lookup.index(rows)
            if lookup.cached:
                lookup.answers |= self.cache.keep(lookup.kind, missing, fetched)
            else:
                lookup.answers = fetched

    def _records(self, page: Any) -> list[Row]:
        if isinstance(page, Exception):
            raise page
        return self.connection.all_records(page)


def _apply_contacts(todo: list[tuple[_Found, str]], contacts: _Lookup) -> None:
    for f, value in todo:
        if _unknown(f) and contacts.answers.get(value):
            f.contact_id, f.account_id = contacts.answers[value]


def _first_by(
    fields: tuple[str, ...], key: Callable[[str], str], pick: Callable[[Row], Any]
) -> Callable[[list[Row]], dict[str, Any]]:
    """An index of rows by the value of any of ``fields``; the first row found wins."""

    def index(rows: list[Row]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for row in rows:
            for name in fields:
                if row.get(name):
                    found.setdefault(key(str(row[name])), pick(row))
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
