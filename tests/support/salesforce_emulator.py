"""A Salesforce REST emulator on loopback over HTTPS, for the adapter's tests and the benchmark.

It speaks enough of the REST API for simple-salesforce: the OAuth token endpoint (client
credentials, username-password, JWT bearer), SOQL queries, single-record create/update/upsert
and sObject Collections. Faults can be scripted or drawn at random, before the request is
processed (503, 403 REQUEST_LIMIT_EXCEEDED, 401 INVALID_SESSION_ID) or as a slow answer given
after the write was applied (the client may time out and never learn of it). Scripted faults are
taken in order, one per API request; ``"pass"`` lets a request through.
"""

from __future__ import annotations

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

from support import soql

PREFIXES = {"Account": "001", "Contact": "003", "User": "005", "Case": "500", "Task": "00T"}
PREFIXES |= {"CaseComment": "00a"}
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
API = re.compile(r"^/services/data/v[\d.]+/(?P<rest>.*)$")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.body = status, [{"errorCode": code, "message": message}]


class SalesforceEmulator:
    """An org in memory. ``records[type][id]`` holds each record's fields."""

    def __init__(self, ca: trustme.CA, seed: int = 0) -> None:
        self.client_id, self.client_secret = "callsight-app", secrets.token_hex(8)
        self.username, self.password = "integration@example.com", "pw-" + secrets.token_hex(4)
        self.jwt_public_key: str | None = None
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.request_counts: Counter[str] = Counter()
        self.faults: deque[str] = deque()
        self.fail_rate, self.fail_kinds = 0.0, ("503", "403", "401")
        self.slow_s = 0.0
        self.page_size = 2000
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

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_requests(self) -> int:
        """REST API requests received, the OAuth token endpoint not included."""
        return sum(n for kind, n in self.request_counts.items() if kind != "oauth")

    def start(self) -> SalesforceEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, sobject: str, **fields: Any) -> str:
        """Put a record in the org directly, as if someone had made it in Salesforce."""
        with self._lock:
            return self._create(sobject, fields)

    def of_type(self, sobject: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.records.get(sobject, {}).values()]

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
            "id": f"{self.url}/id/00D000000000001/005000000000001",
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

    def fault_for(self, token: str | None) -> str | None:
        with self._lock:
            if token not in self._tokens:
                return "401"
            fault = self.faults.popleft() if self.faults else None
            if fault is None and self.fail_rate and self._rng.random() < self.fail_rate:
                fault = self._rng.choice(self.fail_kinds)
            if fault == "401":
                self._tokens.clear()
            return fault

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        path = path.rstrip("/")
        with self._lock:
            if path.startswith("query/") and method == "GET":
                self.request_counts["query"] += 1
                return 200, self._page(path.split("/")[1])
            if path == "query" and method == "GET":
                self.request_counts["query"] += 1
                return 200, self._query(query.get("q", [""])[0])
            if path.startswith("composite/sobjects"):
                self.request_counts["collections"] += 1
                return self._collections(method, path.split("/")[2:], body)
            if path.startswith("sobjects/"):
                self.request_counts["sobject"] += 1
                return self._single(method, path.split("/")[1:], body)
        raise ApiError(404, "NOT_FOUND", f"the requested resource does not exist: {path}")

    def _query(self, text: str) -> dict[str, Any]:
        try:
            parsed = soql.parse(text)
        except soql.MalformedQuery as error:
            raise ApiError(400, "MALFORMED_QUERY", str(error)) from error
        rows = soql.run(parsed, list(self.records.get(parsed.sobject, {}).values()))
        for row in rows:
            row["attributes"] = {"type": parsed.sobject}
        cursor = secrets.token_hex(6)
        self._cursors[cursor] = rows
        return self._page(cursor) | {"totalSize": len(rows)}

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
            return 200, [
                self._outcome(lambda r=r: self._create(_type_of(r), _fields(r))) for r in records
            ]
        if method == "PATCH" and not parts:
            return 200, [
                self._outcome(lambda r=r: self._update(_type_of(r), r.get("id"), _fields(r)))
                for r in records
            ]
        if method == "PATCH" and len(parts) == 2:
            sobject, field = parts
            return 200, [
                self._outcome(lambda r=r: self._upsert(sobject, field, _fields(r))) for r in records
            ]
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here")

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
            return {
                "success": False,
                "errors": [
                    {"statusCode": error.body[0]["errorCode"], "message": str(error), "fields": []}
                ],
            }
        record_id, created = result if isinstance(result, tuple) else (result, True)
        return {"id": record_id, "success": True, "errors": [], "created": created}

    def _create(self, sobject: str, fields: dict[str, Any]) -> str:
        self._check(sobject, fields)
        self._sequence += 1
        record_id = f"{PREFIXES.get(sobject, 'a00')}{self._sequence:012d}AAA"
        record = {"Id": record_id, "CreatedDate": _now(self._sequence)} | fields
        if sobject == "Case":
            record.setdefault("CaseNumber", f"{self._sequence:08d}")
            record["IsClosed"] = record.get("Status") == "Closed"
        for name, value in fields.items():
            if name.endswith("__c") and value is not None:
                if (sobject, name, value) in self._external:  # an external id field is unique
                    raise ApiError(400, "DUPLICATE_VALUE", f"duplicate value found: {name}")
                self._external[(sobject, name, value)] = record_id
        self.records.setdefault(sobject, {})[record_id] = record
        return record_id

    def _update(self, sobject: str, record_id: Any, fields: dict[str, Any]) -> str:
        record = self.records.get(sobject, {}).get(str(record_id))
        if record is None:
            raise ApiError(400, "INVALID_ID_FIELD", f"invalid {sobject} id: {record_id}")
        self._check(sobject, fields)
        record.update(fields)
        if sobject == "Case":
            record["IsClosed"] = record.get("Status") == "Closed"
        return str(record_id)

    def _upsert(self, sobject: str, field: str, fields: dict[str, Any]) -> tuple[str, bool]:
        key = fields.get(field)
        if not key:
            raise ApiError(400, "MISSING_ARGUMENT", f"{field} not specified")
        existing = self._external.get((sobject, field, key))
        if existing:
            return self._update(sobject, existing, fields), False
        return self._create(sobject, fields), True

    def _check(self, sobject: str, fields: dict[str, Any]) -> None:
        for name in REFERENCE_FIELDS:
            value = fields.get(name)
            if value and not any(str(value) in ids for ids in self.records.values()):
                raise ApiError(
                    400,
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"invalid cross reference id: {name} {value}",
                )
        if sobject == "Task" and len(str(fields.get("Subject") or "")) > 255:
            raise ApiError(400, "STRING_TOO_LONG", "Subject: data value too large")


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
            fault = org.fault_for(
                auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
            )
            if fault in FAULTS:
                org.request_counts[f"fault-{fault}"] += 1
                self._reply(*FAULTS[fault])
                return
            try:
                status, body = org.handle(method, path, query, json.loads(raw) if raw else None)
            except ApiError as error:
                status, body = error.status, error.body
            except json.JSONDecodeError:
                status, body = 400, [{"errorCode": "JSON_PARSER_ERROR", "message": "bad JSON"}]
            if org.slow_s:
                time.sleep(org.slow_s)
            self._reply(status, body)

        def _reply(self, status: int, body: Any) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

    return Handler
