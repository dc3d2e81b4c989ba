"""A simple-salesforce client with a renewable session, request counting and error sorting.

simple-salesforce is imported where it is first used, so loading this package (or a service that
does not use Salesforce) does not load it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from integrations.salesforce.auth import Authenticator, SalesforceAuthError
from integrations.salesforce.limits import ApiLimits, ApiReserveReached

if TYPE_CHECKING:
    from simple_salesforce.api import Salesforce
    from simple_salesforce.exceptions import SalesforceError

T = TypeVar("T")
DEFAULT_API_VERSION = "60.0"
RETRIABLE_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})


class SalesforceConnection:
    """One org: logs in when first needed and again when Salesforce says the session expired."""

    def __init__(
        self,
        auth: Authenticator,
        session: requests.Session | None = None,
        api_version: str = DEFAULT_API_VERSION,
        timeout_s: float = 30.0,
        limits: ApiLimits | None = None,
    ) -> None:
        self.auth, self.api_version, self.timeout_s = auth, api_version, timeout_s
        self.session = session or requests.Session()
        self.limits = limits or ApiLimits()
        self.api_requests = 0
        self.logins = 0
        self._client: Salesforce | None = None
        self._user_id: str | None = None
        self._lock = threading.Lock()

    def call(self, action: Callable[[Salesforce], T]) -> T:
        """Run ``action`` logged in; an expired session is renewed and the action run again.

        Raises ApiReserveReached, sending nothing, while the org's daily API limit is down to the
        reserve.
        """
        from simple_salesforce.exceptions import SalesforceExpiredSession

        self.limits.check()
        client = self._current()
        try:
            return self._counted(client, action)
        except SalesforceExpiredSession:
            self._renew(client)
            return self._counted(self._current(), action)

    def _counted(self, client: Salesforce, action: Callable[[Salesforce], T]) -> T:
        self.api_requests += 1
        answer = action(client)
        usage = client.api_usage.get("api-usage")
        if usage is not None:
            self.limits.observe(usage.used, usage.total)
        return answer

    def integration_user_id(self) -> str | None:
        """The user Callsight logs in as (logging in first if needed); it owns what no agent's
        User can."""
        self._current()
        return self._user_id

    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every record the query returns, following ``nextRecordsUrl`` pages."""
        return self.all_records(self.call(lambda sf: sf.query(soql, timeout=self.timeout_s)))

    def all_records(self, page: Any) -> list[dict[str, Any]]:
        """The records of a query answer and of the pages after it."""
        records: list[dict[str, Any]] = list(page["records"])
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page = self._next_page(str(page["nextRecordsUrl"]))
            records += page["records"]
        return records

    def _next_page(self, url: str) -> Any:
        return self.call(
            lambda sf: sf.query_more(url, identifier_is_url=True, timeout=self.timeout_s)
        )

    def rest(self, method: str, path: str, body: object) -> Any:
        return self.call(
            lambda sf: sf.restful(path, method=method, json=body, timeout=self.timeout_s)
        )

    def _current(self) -> Salesforce:
        from simple_salesforce.api import Salesforce

        with self._lock:
            if self._client is None:
                self.logins += 1
                token = self.auth.token(self.session, self.timeout_s)
                self._user_id = token.user_id
                self._client = Salesforce(
                    instance_url=token.instance_url,
                    session_id=token.access_token,
                    session=self.session,
                    version=self.api_version,
                )
            return self._client

    def _renew(self, expired: Salesforce) -> None:
        with self._lock:
            if self._client is expired:
                self._client = None


def describe_error(error: Exception) -> tuple[str, bool]:
    """Salesforce's own message for a failed request, and whether trying again may succeed."""
    from simple_salesforce.exceptions import SalesforceError

    from integrations.salesforce.composite import SubrequestFailed

    if isinstance(error, SubrequestFailed):
        retriable = error.code in RETRIABLE_CODES or error.status >= 500 or error.status == 429
        return str(error), retriable
    if isinstance(error, requests.RequestException):
        return f"no answer from Salesforce ({type(error).__name__}: {error})", True
    if isinstance(error, SalesforceAuthError):
        return str(error), error.retriable
    if isinstance(error, ApiReserveReached):
        return str(error), True
    if isinstance(error, SalesforceError):
        code, message = _first_error(error.content)
        text = f"{code}: {message}" if code else message
        text = f"HTTP {error.status} {text}".strip()
        return text, _retriable(error, code)
    return f"{type(error).__name__}: {error}", False


def _retriable(error: SalesforceError, code: str) -> bool:
    from simple_salesforce.exceptions import (
        SalesforceExpiredSession,
        SalesforceGeneralError,
        SalesforceRefusedRequest,
    )

    if code in RETRIABLE_CODES or isinstance(error, SalesforceExpiredSession):
        return True
    if isinstance(error, SalesforceRefusedRequest):
        return False
    return isinstance(error, SalesforceGeneralError) and (
        error.status >= 500 or error.status == 429
    )


def _first_error(content: object) -> tuple[str, str]:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        first = content[0]
        return str(first.get("errorCode", "")), str(first.get("message", ""))
    return "", str(content)[:500]
