"""A Salesforce REST emulator on loopback over HTTPS, for the adapter's tests and the benchmark.

It speaks enough of the REST API for simple-salesforce: the OAuth token endpoint (client
credentials, username-password, JWT bearer), ``describe``, SOQL queries (semi-joins included),
single-record create/update/upsert, sObject Collections (``allOrNone`` included) and the
Composite resource (``support.salesforce_composite``: up to 25 subrequests, one API request).
Writes obey the field rules of ``support.salesforce_objects`` (create-only fields, lengths,
restricted picklists, unknown fields) and are refused with Salesforce's error codes, per record
in a collection.

Like an org, it counts API requests against a daily limit (``api_limit``, ``api_used``), reports
the usage on every answer (``Sforce-Limit-Info: api-usage=used/limit``), refuses requests past the
limit with REQUEST_LIMIT_EXCEEDED, and refuses a request URI over 16,384 bytes (414).

Faults can be scripted or drawn at random: before the request is processed (503, 403
REQUEST_LIMIT_EXCEEDED, 401 INVALID_SESSION_ID), ``"lock"`` (every record of a write fails with
UNABLE_TO_LOCK_ROW, nothing is applied), ``"lost"`` (the request is applied, then the connection
is closed without an answer), or as a slow answer given after the write was applied (the client
may time out and never learn of it). Scripted faults are taken in order, one per API request, from
``faults`` (any request) or from ``faults_by_kind`` (requests of one kind: query, describe,
collections, sobject, composite; a composite also takes the faults aimed at its subrequests'
kinds, and ``"lock"`` then fails its writes' records); ``"pass"`` lets a request through.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
import secrets
import ssl
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import trustme

from support import salesforce_composite as composite
from support import salesforce_objects as objects
from support import soql
from support.salesforce_rules import FieldError, check_write, defaults

PREFIXES = {"Account": "001", "Contact": "003", "User": "005", "Case": "500", "Task": "00T"}
PREFIXES |= {"CaseComment": "00a", "Opportunity": "006", "Event": "00U"}
REFERENCE_FIELDS = ("WhoId", "WhatId", "ParentId", "OwnerId", "AccountId", "ContactId")
FAULTS = {
    "503": (
        503,
        [{"errorCode": "SERVER_UNAVAILABLE", "message": "Service temporarily unavailable"}],
    ),
    "403": (
        403,
        [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}],
    ),
    "401": (401, [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}]),
}
LOCKED = FieldError(
    "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records", ()
)
ROLLED_BACK = FieldError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
    (),
)
API = re.compile(r"^/services/data/v[\d.]+/(?P<rest>.*)$")
MAX_URI_BYTES = 16_384
DAILY_API_LIMIT = 100_000
LIMIT_EXCEEDED = [
    {"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}
]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.errors = status, [FieldError(code, message, ())]

    @classmethod
    def of(cls, status: int, errors: list[FieldError]) -> ApiError:
        error = cls(status, errors[0].code, errors[0].message)
        error.errors = errors
        return error

    @property
    def body(self) -> list[dict[str, Any]]:
        return [e.as_json() for e in self.errors]


def request_kind(path: str) -> str:
    """Which of ``faults_by_kind`` a request of the REST API draws from."""
    path = path.rstrip("/")
    if path == "query" or path.startswith("query/"):
        return "query"
    if path.startswith("sobjects/") and path.endswith("/describe"):
        return "describe"
    if path.startswith("composite/sobjects"):
        return "collections"
    if path == "composite":
        return "composite"
    return "sobject" if path.startswith("sobjects/") else "other"


class SalesforceEmulator:
    """An org in memory. ``records[type][id]`` holds each record's fields."""

    def __init__(self, ca: trustme.CA, seed: int = 0) -> None:
        self.client_id, self.client_secret = "callsight-app", secrets.token_hex(8)
        self.username, self.password = "integration@example.com", "pw-" + secrets.token_hex(4)
        self.jwt_public_key: str | None = None
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.request_counts: Counter[str] = Counter()
        self.faults: deque[str] = deque()
        self.faults_by_kind: dict[str, deque[str]] = {}
        self.fail_rate, self.fail_kinds = 0.0, ("503", "403", "401")
        self.schema = objects.new_schema()
        self.log_requests = False
        self.requests: list[tuple[str, str, Any]] = []
        self.soql: list[str] = []  # with log_requests, the text of each query
        self.slow_s = 0.0
        self.page_size = 2000
        self.api_limit, self.api_used = DAILY_API_LIMIT, 0
        self.api_requests = 0  # REST API requests received (a composite is one)
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._rng = random.Random(seed)
        self._tokens: set[str] = set()
        self._external: dict[tuple[str, str, Any], str] = {}  # custom field values to ids
        self._sequence = 0
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.integration_user_id = self.add(
            "User",
            Username=self.username,
            Email=self.username,
            LastName="Integration",
            IsActive=True,
        )

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SalesforceEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, sobject: str, **fields: Any) -> str:
        """Put a record in the org directly, as if someone had made it in Salesforce; read-only
        fields (CaseNumber, IsActive) may be given, and no field rule is checked."""
        with self._lock:
            return self._insert(sobject, fields)

    def script(self, kind: str, *faults: str) -> None:
        """Queue faults for the next requests of one kind (query, describe, collections...)."""
        with self._lock:
            self.faults_by_kind.setdefault(kind, deque()).extend(faults)

    def set_picklist(
        self, sobject: str, field: str, values: tuple[str, ...], default: str | None = None
    ) -> None:
        """Change a picklist's values, as an admin does in Setup."""
        with self._lock:
            spec = self.schema[sobject][field]
            self.schema[sobject][field] = objects.with_picklist(spec, values, default)

    def of_type(self, sobject: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.records.get(sobject, {}).values()]

    def set_api_usage(self, used: int, limit: int | None = None) -> None:
        """The org's API usage over the last 24 hours (and its limit), as if time had passed."""
        with self._lock:
            self.api_used = used
            self.api_limit = self.api_limit if limit is None else limit

    def take_api_request(self) -> bool:
        """Counts a request against the daily limit; False once the limit is spent."""
        with self._lock:
            self.api_requests += 1
            if self.api_used >= self.api_limit:
                self.request_counts["limit exceeded"] += 1
                return False
            self.api_used += 1
            return True

    def limit_info(self) -> str:
        with self._lock:
            return f"api-usage={self.api_used}/{self.api_limit}"

    def expire_sessions(self) -> None:
        with self._lock:
            self._tokens.clear()

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if not self._credentials_ok(form):
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}
        token = f"00D000000000001!{secrets.token_urlsafe(24)}"
        with self._lock:
            self._tokens.add(token)
        return 200, {
            "access_token": token,
            "instance_url": self.url,
            "id": f"{self.url}/id/00D000000000001/{self.integration_user_id}",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": secrets.token_urlsafe(16),
        }

    def _credentials_ok(self, form: dict[str, str]) -> bool:
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._jwt_ok(form.get("assertion", ""))
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return False
        if grant == "password":
            return form.get("username") == self.username and form.get("password") == self.password
        return grant == "client_credentials"

    def _jwt_ok(self, assertion: str) -> bool:
        if self.jwt_public_key is None:
            return False
        try:
            claims = jwt.decode(
                assertion,
                self.jwt_public_key,
                algorithms=["RS256"],
                audience="https://login.salesforce.com",
            )
        except jwt.PyJWTError:
            return False
        return claims.get("iss") == self.client_id and claims.get("sub") == self.username

    def fault_for(self, token: str | None, kinds: tuple[str, ...] = ("other",)) -> str | None:
        """The fault for a request carrying requests of ``kinds`` (a composite carries its
        subrequests' kinds): the first one scripted for any of them, else a general one."""
        with self._lock:
            if token not in self._tokens:
                return "401"
            fault = None
            for kind in kinds:
                scripted = self.faults_by_kind.get(kind)
                if scripted:
                    fault = scripted.popleft()
                    break
            if fault is None and self.faults:
                fault = self.faults.popleft()
            if fault is None and self.fail_rate and self._rng.random() < self.fail_rate:
                fault = self._rng.choice(self.fail_kinds)
                self.request_counts["faults drawn"] += 1
            if fault == "401":
                self._tokens.clear()
            return fault

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        path = path.rstrip("/")
        with self._lock:
            if self.log_requests:
                self.requests.append((method, path, copy.deepcopy(body)))
            if request_kind(path) == "describe" and method == "GET":
                self.request_counts["describe"] += 1
                return 200, self._describe(path.split("/")[1])
            if path.startswith("query/") and method == "GET":
                self.request_counts["query"] += 1
                return 200, self._page(path.split("/")[1])
            if path == "query" and method == "GET":
                self.request_counts["query"] += 1
                text = query.get("q", [""])[0]
                if self.log_requests:
                    self.soql.append(text)
                return 200, self._query(text)
            if path.startswith("composite/sobjects"):
                self.request_counts["collections"] += 1
                return self._collections(method, path.split("/")[2:], body)
            if path == "composite" and method == "POST":
                self.request_counts["composite"] += 1
                return self._composite(body, lock=False)
            if path.startswith("sobjects/"):
                self.request_counts["sobject"] += 1
                return self._single(method, path.split("/")[1:], body)
        raise ApiError(404, "NOT_FOUND", f"the requested resource does not exist: {path}")

    def _composite(self, body: Any, lock: bool) -> tuple[int, Any]:
        """Subrequests run in order, one API request for all (``salesforce_composite``)."""
        try:
            subrequests = composite.validate(body)
        except composite.CompositeRefused as refused:
            return 400, refused.body
        all_or_none = bool(body.get("allOrNone"))
        saved = (
            copy.deepcopy((self.records, self._external, self._sequence)) if all_or_none else None
        )
        results = composite.run(subrequests, all_or_none, self._subrequest(lock))
        if saved and any(r["httpStatusCode"] >= 400 for r in results):
            self.records, self._external, self._sequence = saved
        return 200, {"compositeResponse": results}

    def _subrequest(self, lock: bool) -> composite.Dispatch:
        def dispatch(method: str, url: str, body: Any) -> tuple[int, Any]:
            parsed = urlparse(url)
            try:
                locked = self.locked(method, parsed.path, body) if lock else None
                return locked or self.handle(method, parsed.path, parse_qs(parsed.query), body)
            except ApiError as error:
                return error.status, error.body

        return dispatch

    def locked(self, method: str, path: str, body: Any) -> tuple[int, Any] | None:
        """The answer to a write that met a locked row (nothing applied); None for a read."""
        with self._lock:
            path = path.rstrip("/")
            if path == "composite" and method == "POST":
                self.request_counts["composite"] += 1
                return self._composite(body, lock=True)
            kind = request_kind(path)
            if method == "GET" or kind not in ("collections", "sobject"):
                return None
            self.request_counts["fault-lock"] += 1
            if kind == "sobject":
                return 400, [LOCKED.as_json()]
            records = body.get("records") if isinstance(body, dict) else None
            return 200, [_failure([LOCKED]) for _ in records or [None]]

    def _describe(self, sobject: str) -> dict[str, Any]:
        fields = self.schema.get(sobject)
        if fields is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return objects.describe(sobject, fields)

    def _query(self, text: str) -> dict[str, Any]:
        try:
            parsed = soql.parse(text)
        except soql.MalformedQuery as error:
            raise ApiError(400, "MALFORMED_QUERY", str(error)) from error
        self._check_columns(parsed.sobject, parsed.fields)
        for inner, _ in parsed.semi_joins:
            self._check_columns(inner.sobject, inner.fields)
        rows = soql.run(parsed, self._all(parsed.sobject), self._all)
        for row in rows:
            row["attributes"] = {"type": parsed.sobject}
        cursor = secrets.token_hex(6)
        self._cursors[cursor] = rows
        return self._page(cursor) | {"totalSize": len(rows)}

    def _all(self, sobject: str) -> list[dict[str, Any]]:
        return list(self.records.get(sobject, {}).values())

    def _check_columns(self, sobject: str, names: list[str]) -> None:
        fields = self.schema.get(sobject)
        if fields is None:
            raise ApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        for name in names:
            if name not in fields:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'."
                )

    def _page(self, cursor: str) -> dict[str, Any]:
        rows = self._cursors.pop(cursor, None)
        if rows is None:
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        page, rest = rows[: self.page_size], rows[self.page_size :]
        answer: dict[str, Any] = {"totalSize": len(rows), "done": not rest, "records": page}
        if rest:
            self._cursors[cursor] = rest
            answer["nextRecordsUrl"] = f"/services/data/v60.0/query/{cursor}"
        return answer

    def _collections(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or not records:
            raise ApiError(400, "JSON_PARSER_ERROR", "records must be a non-empty list")
        if len(records) > 200:
            raise ApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        if method == "POST" and not parts:
            actions = [lambda r=r: self._create(_type_of(r), _fields(r)) for r in records]
        elif method == "PATCH" and not parts:
            actions = [
                lambda r=r: self._update(_type_of(r), r.get("id"), _fields(r)) for r in records
            ]
        elif method == "PATCH" and len(parts) == 2:
            sobject, field = parts
            actions = [lambda r=r: self._upsert(sobject, field, _fields(r)) for r in records]
        else:
            raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here")
        if body.get("allOrNone"):
            return 200, self._all_or_none(actions)
        return 200, [self._outcome(action) for action in actions]

    def _all_or_none(self, actions: list[Any]) -> list[dict[str, Any]]:
        """Every record written, or none: on one failure the others are rolled back."""
        saved = copy.deepcopy((self.records, self._external, self._sequence))
        outcomes = [self._outcome(action) for action in actions]
        if all(outcome["success"] for outcome in outcomes):
            return outcomes
        self.records, self._external, self._sequence = saved
        return [o if not o["success"] else _failure([ROLLED_BACK]) for o in outcomes]

    def _single(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        fields = body if isinstance(body, dict) else {}
        if method == "POST" and len(parts) == 1:
            return 201, {"id": self._create(parts[0], fields), "success": True, "errors": []}
        if method == "PATCH" and len(parts) == 2:
            self._update(parts[0], parts[1], fields)
            return 204, None
        if method == "PATCH" and len(parts) == 3:
            record_id, created = self._upsert(parts[0], parts[1], fields | {parts[1]: parts[2]})
            return (201 if created else 200), {
                "id": record_id,
                "success": True,
                "errors": [],
                "created": created,
            }
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here")

    def _outcome(self, action: Any) -> dict[str, Any]:
        try:
            result = action()
        except ApiError as error:
            return _failure(error.errors)
        record_id, created = result if isinstance(result, tuple) else (result, True)
        return {"id": record_id, "success": True, "errors": [], "created": created}

    def _create(self, sobject: str, fields: dict[str, Any]) -> str:
        """A create through the API: the field rules hold, and defaults are filled in."""
        self._check(sobject, fields, creating=True)
        filled = defaults(self.schema[sobject], fields, self.integration_user_id)
        return self._insert(sobject, filled | fields)

    def _insert(self, sobject: str, fields: dict[str, Any]) -> str:
        self._sequence += 1
        record_id = f"{PREFIXES.get(sobject, 'a00')}{self._sequence:012d}AAA"
        record = {"Id": record_id, "CreatedDate": _now(self._sequence)} | fields
        self._touch(sobject, record)
        if sobject == "Case":
            record.setdefault("CaseNumber", f"{self._sequence:08d}")
        _derive(sobject, record)
        unique = self.schema.get(sobject, {})
        for name, value in fields.items():
            spec = unique.get(name)
            if spec is not None and (spec.external_id or spec.unique) and value is not None:
                if (sobject, name, value) in self._external:  # an external id field is unique
                    raise ApiError(400, "DUPLICATE_VALUE", f"duplicate value found: {name}")
                self._external[(sobject, name, value)] = record_id
        self.records.setdefault(sobject, {})[record_id] = record
        return record_id

    def _touch(self, sobject: str, record: dict[str, Any]) -> None:
        if "SystemModstamp" in self.schema.get(sobject, {}):
            record["SystemModstamp"] = record["LastModifiedDate"] = _stamp(self._sequence)

    def _update(self, sobject: str, record_id: Any, fields: dict[str, Any]) -> str:
        record = self.records.get(sobject, {}).get(str(record_id))
        if record is None:
            raise ApiError(400, "INVALID_ID_FIELD", f"invalid {sobject} id: {record_id}")
        self._check(sobject, fields, creating=False)
        record.update(fields)
        self._sequence += 1
        self._touch(sobject, record)
        _derive(sobject, record)
        return str(record_id)

    def _upsert(self, sobject: str, field: str, fields: dict[str, Any]) -> tuple[str, bool]:
        key = fields.get(field)
        if not key:
            raise ApiError(400, "MISSING_ARGUMENT", f"{field} not specified")
        existing = self._external.get((sobject, field, key))
        if existing:
            return self._update(sobject, existing, fields), False
        return self._create(sobject, fields), True

    def _check(self, sobject: str, fields: dict[str, Any], creating: bool) -> None:
        schema = self.schema.get(sobject)
        if schema is None:
            raise ApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        errors = check_write(sobject, schema, fields, creating)
        if errors:
            raise ApiError.of(400, errors)
        for name in REFERENCE_FIELDS:
            value = fields.get(name)
            if value and not any(str(value) in ids for ids in self.records.values()):
                raise ApiError(
                    400,
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"invalid cross reference id: {name} {value}",
                )


def _kinds(path: str, raw: bytes) -> tuple[str, ...]:
    """The kinds of request a request carries, for aimed faults: a composite carries its
    subrequests' kinds too."""
    kind = request_kind(path.rstrip("/"))
    if kind != "composite":
        return (kind,)
    try:
        subrequests = json.loads(raw).get("compositeRequest") or []
        inner = [request_kind(_api_path(str(s.get("url", "")))) for s in subrequests]
    except (ValueError, AttributeError):
        inner = []
    return (kind, *dict.fromkeys(inner))


def _api_path(url: str) -> str:
    match = API.match(url.split("?")[0])
    return match.group("rest") if match else url


def _failure(errors: list[FieldError]) -> dict[str, Any]:
    return {"success": False, "errors": [e.as_json("statusCode") for e in errors]}


def _derive(sobject: str, record: dict[str, Any]) -> None:
    """Fields Salesforce computes from others."""
    if sobject == "Case":
        record["IsClosed"] = record.get("Status") == "Closed"
    elif sobject == "Task":
        record["IsClosed"] = record.get("Status") == "Completed"
    elif sobject == "Opportunity":
        record["IsClosed"] = str(record.get("StageName") or "").startswith("Closed")
        record["IsWon"] = record.get("StageName") == "Closed Won"


def _stamp(sequence: int) -> str:
    """An audit stamp as Salesforce writes them (``2026-01-01T00:00:05.000+0000``)."""
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=sequence)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _type_of(record: dict[str, Any]) -> str:
    return str((record.get("attributes") or {}).get("type", ""))


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("attributes", "id")}


def _now(sequence: int) -> str:
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=sequence)
    return moment.isoformat()


def _handler_for(org: SalesforceEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def _serve(self, method: str) -> None:
            url = urlparse(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if len(self.path.encode()) > MAX_URI_BYTES:
                self._reply(414, [{"errorCode": "URI_TOO_LONG", "message": "URI Too Long"}])
                return
            if url.path == "/services/oauth2/token" and method == "POST":
                org.request_counts["oauth"] += 1
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                self._reply(*org.issue_token(form))
                return
            match = API.match(url.path)
            if match is None:
                self._reply(404, [{"errorCode": "NOT_FOUND", "message": "no such resource"}])
                return
            self._api(method, match.group("rest"), parse_qs(url.query), raw)

        def _api(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> None:
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
            if not org.take_api_request():
                self._reply(403, LIMIT_EXCEEDED, org.limit_info())
                return
            fault = org.fault_for(token, _kinds(path, raw))
            if fault in FAULTS:
                org.request_counts[f"fault-{fault}"] += 1
                self._reply(*FAULTS[fault], org.limit_info())
                return
            status, body = self._answer(method, path, query, raw, fault)
            if fault == "lost":
                org.request_counts["fault-lost"] += 1
                self.close_connection = True  # applied, but the client never hears of it
                return
            if org.slow_s:
                time.sleep(org.slow_s)
            self._reply(status, body, org.limit_info())

        def _answer(
            self,
            method: str,
            path: str,
            query: dict[str, list[str]],
            raw: bytes,
            fault: str | None,
        ) -> tuple[int, Any]:
            try:
                body = json.loads(raw) if raw else None
                locked = org.locked(method, path, body) if fault == "lock" else None
                return locked or org.handle(method, path, query, body)
            except ApiError as error:
                return error.status, error.body
            except json.JSONDecodeError:
                return 400, [{"errorCode": "JSON_PARSER_ERROR", "message": "bad JSON"}]

        def _reply(self, status: int, body: Any, limit_info: str | None = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                if limit_info:
                    self.send_header("Sforce-Limit-Info", limit_info)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

    return Handler
