"""Many REST requests in one API request: Salesforce's Composite resource.

A composite request takes at most 25 subrequests, at most 5 of them sObject Collections or
queries, and counts as one request against the org's daily limit. Subrequests here never refer to
each other (``allOrNone`` is false), so one that fails leaves the others applied; each answer
comes back with its own HTTP status and body.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from integrations.salesforce.connection import SalesforceConnection

MAX_SUBREQUESTS = 25
MAX_COLLECTIONS_AND_QUERIES = 5


@dataclass(frozen=True)
class Subrequest:
    method: str
    path: str
    """Under ``/services/data/vXX.X/``, e.g. ``composite/sobjects`` or ``query?q=...``."""
    body: object = None

    @property
    def heavy(self) -> bool:
        """A query or sObject Collections request: at most five of them in a composite."""
        return self.path.startswith(("query", "composite/sobjects"))


@dataclass
class SubrequestFailed(Exception):
    """A subrequest Salesforce answered with an error."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.code}: {self.message}".strip()


def query_path(soql: str) -> str:
    return f"query?q={quote_plus(soql)}"


def send(connection: SalesforceConnection, subrequests: Sequence[Subrequest]) -> list[Any]:
    """Each subrequest's answer body, in order, in as few composite requests as the limits allow;
    a subrequest that failed gives its SubrequestFailed in its place. Raises as
    ``SalesforceConnection.rest`` does when a composite request as a whole fails."""
    answers: list[Any] = []
    for chunk in chunks(subrequests):
        if len(chunk) == 1:  # one request either way; a plain one is simpler to read in logs
            answers.append(_alone(connection, chunk[0]))
            continue
        version = connection.api_version
        body = {
            "allOrNone": False,
            "compositeRequest": [
                {
                    "method": sub.method,
                    "url": f"/services/data/v{version}/{sub.path}",
                    "referenceId": f"r{n}",
                    **({} if sub.body is None else {"body": sub.body}),
                }
                for n, sub in enumerate(chunk)
            ],
        }
        answer = connection.rest("POST", "composite", body) or {}
        answers += [_body(result) for result in answer.get("compositeResponse") or []]
    return answers


def chunks(subrequests: Sequence[Subrequest]) -> Iterator[list[Subrequest]]:
    """Consecutive runs of subrequests that fit one composite request."""
    chunk: list[Subrequest] = []
    heavy = 0
    for sub in subrequests:
        if chunk and (
            len(chunk) == MAX_SUBREQUESTS or (sub.heavy and heavy == MAX_COLLECTIONS_AND_QUERIES)
        ):
            yield chunk
            chunk, heavy = [], 0
        chunk.append(sub)
        heavy += sub.heavy
    if chunk:
        yield chunk


def _alone(connection: SalesforceConnection, sub: Subrequest) -> Any:
    if sub.method == "GET":
        return connection.call(
            lambda sf: sf.restful(sub.path, method="GET", timeout=connection.timeout_s)
        )
    return connection.rest(sub.method, sub.path, sub.body)


def _body(result: dict[str, Any]) -> Any:
    status = int(result.get("httpStatusCode") or 0)
    body = result.get("body")
    if status < 400:
        return body
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    return SubrequestFailed(status, str(first.get("errorCode", "")), str(first.get("message", "")))
