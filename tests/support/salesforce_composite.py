"""The Composite resource of the Salesforce emulator (``POST /services/data/vXX.X/composite``).

The rules it keeps, from Salesforce's REST API reference (Composite, Composite Subrequest
Result): at most 25 subrequests, of which at most 5 are sObject Collections or queries
(query, queryAll); referenceIds of letters, digits and underscores, each used once; every
subrequest answered in ``compositeResponse`` with its own ``httpStatusCode`` and ``body`` (an
error body is Salesforce's list of ``errorCode``/``message``); a subrequest may name an earlier
one's answer as ``@{refId.path}`` in its url or body, and when that one failed it is not run but
answered 400 PROCESSING_HALTED; with ``allOrNone`` every change is rolled back on the first
failure and the other subrequests answer 400 PROCESSING_HALTED. The whole composite is one API
request against the org's limit. The limit messages are the emulator's own wording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

MAX_SUBREQUESTS = 25
MAX_COLLECTIONS_AND_QUERIES = 5
REFERENCE_ID = re.compile(r"^[A-Za-z0-9_]+$")
REFERENCE = re.compile(r"@\{(?P<ref>[A-Za-z0-9_]+)\.(?P<path>[^}]+)\}")
PATH_PART = re.compile(r"([A-Za-z0-9_]+)|\[(\d+)\]")
ROLLED_BACK = (
    "The transaction was rolled back since another operation in the same transaction failed."
)

Answer = tuple[int, Any]
Dispatch = Callable[[str, str, Any], Answer]
"""Runs one subrequest (method, path under /services/data/vXX.X/ with its query, body)."""


class CompositeRefused(Exception):
    """The composite request as a whole is refused (HTTP 400), nothing run."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.body = [{"errorCode": code, "message": message}]


def subrequest_kind(url: str) -> str:
    """query, collections or other, by the subrequest's url."""
    path = re.sub(r"^/services/data/v[\d.]+/", "", url).split("?")[0].rstrip("/")
    if path in ("query", "queryAll"):
        return "query"
    if path.startswith("composite/sobjects"):
        return "collections"
    return "other"


def validate(body: Any) -> list[dict[str, Any]]:
    """The subrequests, or CompositeRefused for a request Salesforce would refuse whole."""
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not subrequests:
        raise CompositeRefused("JSON_PARSER_ERROR", "compositeRequest must be a non-empty list")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise CompositeRefused(
            "LIMIT_EXCEEDED",
            f"a composite request takes at most {MAX_SUBREQUESTS} subrequests, "
            f"not {len(subrequests)}",
        )
    heavy = sum(subrequest_kind(str(s.get("url", ""))) != "other" for s in subrequests)
    if heavy > MAX_COLLECTIONS_AND_QUERIES:
        raise CompositeRefused(
            "LIMIT_EXCEEDED",
            f"a composite request takes at most {MAX_COLLECTIONS_AND_QUERIES} sObject "
            f"Collections or query subrequests, not {heavy}",
        )
    seen: set[str] = set()
    for sub in subrequests:
        ref = str(sub.get("referenceId", ""))
        if not REFERENCE_ID.match(ref) or ref in seen:
            raise CompositeRefused(
                "INVALID_INPUT", f"referenceId {ref!r} is missing, repeated or not allowed"
            )
        seen.add(ref)
    return subrequests


def run(subrequests: list[dict[str, Any]], all_or_none: bool, dispatch: Dispatch) -> list[Any]:
    """Each subrequest's result, in order, as ``compositeResponse`` lists them."""
    answers: dict[str, Answer] = {}
    results: list[dict[str, Any]] = []
    for sub in subrequests:
        ref = str(sub["referenceId"])
        try:
            url = _resolve(str(sub.get("url", "")), answers)
            body = json.loads(_resolve(json.dumps(sub.get("body")), answers))
            status, answer = dispatch(str(sub.get("method", "GET")), _under_api(url), body)
        except _Halted as halted:
            status, answer = 400, [{"errorCode": "PROCESSING_HALTED", "message": str(halted)}]
        answers[ref] = (status, answer)
        results.append(
            {"body": answer, "httpHeaders": {}, "httpStatusCode": status, "referenceId": ref}
        )
        if all_or_none and status >= 400:
            return _halt_all(subrequests, results)
    return results


def _halt_all(subrequests: list[dict[str, Any]], results: list[Any]) -> list[Any]:
    halted = [{"errorCode": "PROCESSING_HALTED", "message": ROLLED_BACK}]
    failed = results[-1]
    return [
        failed
        if result is failed
        else {"body": halted, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": ref}
        for result, ref in _padded(subrequests, results)
    ]


def _padded(subrequests: list[dict[str, Any]], results: list[Any]) -> list[tuple[Any, str]]:
    return [
        (results[n] if n < len(results) else None, str(sub["referenceId"]))
        for n, sub in enumerate(subrequests)
    ]


class _Halted(Exception):
    pass


def _resolve(text: str, answers: dict[str, Answer]) -> str:
    def value(match: re.Match[str]) -> str:
        ref, path = match.group("ref"), match.group("path")
        if ref not in answers:
            raise _Halted(f"Invalid reference specified. No value for {ref} found.")
        status, body = answers[ref]
        if status >= 400:
            raise _Halted(
                f"Invalid reference specified. No value for {ref}.{path} found in {ref}. "
                f"Provided referenceId ('{ref}') refers to a subrequest that failed."
            )
        found = _walk(body, path)
        if found is None:
            raise _Halted(f"Invalid reference specified. No value for {ref}.{path} found.")
        return str(found)

    return REFERENCE.sub(value, text)


def _walk(body: Any, path: str) -> Any:
    for name, index in PATH_PART.findall(path):
        if name:
            body = body.get(name) if isinstance(body, dict) else None
        else:
            n = int(index)
            body = body[n] if isinstance(body, list) and n < len(body) else None
        if body is None:
            return None
    return body


def _under_api(url: str) -> str:
    match = re.match(r"^/services/data/v[\d.]+/(.*)$", url)
    if match is None:
        raise _Halted(f"the subrequest url must start with /services/data/vXX.X/: {url}")
    return match.group(1)
