"""Who may call what: every route of the app (API, pages, mounted static files) against every
kind of caller, from one table. A route the table does not list fails the test, so a new route
comes with its row.

The answers are classes: ``PASS`` means the request got past authorisation (2xx, a 3xx that is
not a sign-in demand, or the route's own refusal of the call's state or the body: 409, 415);
``LOGIN`` is the pages' 303 to ``/login?next=...``; numbers are the exact status. API routes
get the role's bearer key; pages get a session signed in with it (and its CSRF token), and
"revoked" is a session whose key was revoked after signing in. Path ids name the seeded call,
owned by "rep owner". Every path also answers 405 to a method no route takes (PUT).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from agent.core.db import upgrade
from agent.core.settings import Settings
from api.app import create_app
from api.web.auth import COOKIE, CSRF_HEADER
from support.world import World, revoke_the_revoked_key, seed_world

PASS, LOGIN = "pass", "login"
ROLES = ("none", "rep owner", "other rep", "lead", "admin", "revoked")

PUBLIC = (PASS,) * 6
NO_KEY_OPENS = (401,) * 6
ANY_KEY = (401, PASS, PASS, PASS, PASS, 401)
OWNER = (401, PASS, 404, PASS, PASS, 401)
LEAD = (401, 403, 403, PASS, PASS, 401)
ADMIN = (401, 403, 403, 403, PASS, 401)
PAGE_ANY = (LOGIN, PASS, PASS, PASS, PASS, LOGIN)
PAGE_OWNER = (LOGIN, PASS, 404, PASS, PASS, LOGIN)
PAGE_LEAD = (LOGIN, 403, 403, PASS, PASS, LOGIN)
PAGE_ADMIN = (LOGIN, 403, 403, 403, PASS, LOGIN)

# (method, path) -> the answer for each of ROLES, in that order.
MATRIX: dict[tuple[str, str], tuple[str | int, ...]] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): NO_KEY_OPENS,  # the metrics token, not an API key
    ("POST", "/api/v1/calls"): ANY_KEY,
    ("POST", "/api/v1/conversations"): ANY_KEY,
    ("GET", "/api/v1/calls"): ANY_KEY,
    ("GET", "/api/v1/calls/{call_id}"): OWNER,
    ("GET", "/api/v1/calls/{call_id}/transcript"): OWNER,
    ("GET", "/api/v1/calls/{call_id}/audio"): OWNER,
    ("POST", "/api/v1/calls/{call_id}/approve"): LEAD,
    ("PATCH", "/api/v1/calls/{call_id}"): LEAD,
    ("PATCH", "/api/v1/calls/{call_id}/speakers"): LEAD,
    ("POST", "/api/v1/calls/{call_id}/crm-links"): LEAD,
    ("POST", "/api/v1/calls/{call_id}/retry"): OWNER,
    ("POST", "/api/v1/webhooks/crm"): NO_KEY_OPENS,  # a signature, not an API key
    ("POST", "/api/v1/webhooks/salesforce"): NO_KEY_OPENS,  # the outbound token
    ("POST", "/api/v1/webhooks/subscriptions"): ADMIN,
    ("GET", "/api/v1/webhooks/subscriptions"): ADMIN,
    ("DELETE", "/api/v1/webhooks/subscriptions/{subscription_id}"): ADMIN,
    ("GET", "/api/v1/webhooks/subscriptions/{subscription_id}/deliveries"): ADMIN,
    ("GET", "/api/v1/kpis"): ANY_KEY,
    ("GET", "/api/v1/engagement"): LEAD,
    ("GET", "/api/v1/customers"): LEAD,
    ("GET", "/api/v1/customers/{customer_id}"): OWNER,
    ("POST", "/api/v1/surveys"): LEAD,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/static/{path}"): PUBLIC,
    ("GET", "/docs/assets/{path}"): PUBLIC,
    ("GET", "/vendor/plotly.min.js"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("GET", "/language/{language}"): PUBLIC,
    ("POST", "/login"): (401, PASS, PASS, PASS, PASS, 401),
    ("POST", "/logout"): PAGE_ANY,
    ("GET", "/calls"): PAGE_ANY,
    ("GET", "/customers"): PAGE_ANY,
    ("GET", "/calls/{call_id}"): PAGE_OWNER,
    ("GET", "/calls/{call_id}/state"): PAGE_OWNER,
    ("GET", "/calls/{call_id}/audio"): PAGE_OWNER,
    ("GET", "/calls/{call_id}/transcript"): PAGE_OWNER,
    ("POST", "/calls/{call_id}/speakers"): PAGE_LEAD,
    ("GET", "/customers/{customer_id}"): PAGE_OWNER,
    ("POST", "/calls/upload"): PAGE_ANY,
    ("POST", "/calls/{call_id}/items"): PAGE_LEAD,
    ("POST", "/calls/{call_id}/items/{item_id}"): PAGE_LEAD,
    ("POST", "/calls/{call_id}/items/{item_id}/status"): PAGE_LEAD,
    ("POST", "/calls/{call_id}/items/{item_id}/remove"): PAGE_LEAD,
    ("POST", "/calls/{call_id}/resolution"): PAGE_LEAD,
    ("POST", "/calls/{call_id}/approve"): PAGE_LEAD,
    ("POST", "/calls/{call_id}/retry"): PAGE_OWNER,
    ("GET", "/dashboard"): PAGE_LEAD,
    ("GET", "/dashboard/kpis"): PAGE_LEAD,
    ("GET", "/admin"): PAGE_ADMIN,
    ("POST", "/admin/keys"): PAGE_ADMIN,
    ("POST", "/admin/keys/{key_id}/revoke"): PAGE_ADMIN,
    ("POST", "/admin/webhooks"): PAGE_ADMIN,
    ("POST", "/admin/webhooks/{subscription_id}/stop"): PAGE_ADMIN,
}

NOT_AUDIO = {"file": ("call.wav", b"not a recording", "audio/wav")}
SMS = {
    "channel": "sms",
    "language": "en",
    "turns": [{"speaker": "customer", "text": "Is my order shipped?", "at": "2026-11-18T10:00Z"}],
}
SUBSCRIBER = "https://93.184.215.14/callsight"  # a public address; "call.failed" never fires


def _bodies(world: World) -> dict[tuple[str, str], dict[str, Any]]:
    """What each route that takes a body is sent: valid, so only authorisation can refuse it."""
    return {
        ("POST", "/api/v1/calls"): {"files": NOT_AUDIO},
        ("POST", "/api/v1/conversations"): {"json": SMS},
        ("PATCH", "/api/v1/calls/{call_id}"): {"json": {"resolution": "resolved"}},
        ("PATCH", "/api/v1/calls/{call_id}/speakers"): {
            "json": {"speakers": [{"speaker": "agent", "name": "Rita"}]}
        },
        ("POST", "/api/v1/calls/{call_id}/crm-links"): {"json": {"contact_id": "0035g0000001"}},
        ("POST", "/api/v1/webhooks/crm"): {"json": {}},
        ("POST", "/api/v1/webhooks/subscriptions"): {
            "json": {"url": SUBSCRIBER, "secret": "s" * 24, "events": ["call.failed"]}
        },
        ("POST", "/api/v1/surveys"): {
            "json": {
                "customer_id": world.customer_id,
                "csat": 5,
                "responded_at": "2026-11-18T12:00:00Z",
            }
        },
        ("POST", "/calls/upload"): {"files": NOT_AUDIO},
        ("POST", "/calls/{call_id}/items/{item_id}"): {
            "data": {"description": "Call back", "owner": "agent", "due_date": "2026-11-25"}
        },
        ("POST", "/calls/{call_id}/items"): {
            "data": {"description": "Call back", "owner": "agent"}
        },
        ("POST", "/calls/{call_id}/speakers"): {
            "data": {"speaker": "agent", "name": "Rita", "role": "agent"}
        },
        ("POST", "/calls/{call_id}/items/{item_id}/status"): {"data": {"status": "done"}},
        ("POST", "/calls/{call_id}/resolution"): {"data": {"resolution": "resolved"}},
        ("POST", "/admin/keys"): {"data": {"name": "Nia", "role": "rep"}},
        ("POST", "/admin/webhooks"): {"data": {"url": SUBSCRIBER, "events": ["call.failed"]}},
    }


def _route_table(app: FastAPI) -> set[tuple[str, str]]:
    routes = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            routes.add(("GET", f"{route.path}/{{path}}"))
            continue
        methods = set(getattr(route, "methods", None) or ()) - {"HEAD"}
        routes.update((method, str(route.path)) for method in methods)
    return routes


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, World, str]]:
    """The app on a seeded database, and the session cookie of the key revoked after sign-in."""
    data_dir: Path = tmp_path_factory.mktemp("matrix")
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'callsight.db'}",
        runner_workers=1,
        metrics_token="scraper-token-for-the-matrix",
    )
    upgrade(settings.database_url)
    world = seed_world(settings)
    app = create_app(settings)
    with TestClient(app) as client:
        _sign_in(client, world.tokens["revoked"])
        revoked_session = client.cookies[COOKIE]
        revoke_the_revoked_key(settings)
        yield app, world, revoked_session


def test_every_route_has_a_row_in_the_matrix(started: tuple[FastAPI, World, str]) -> None:
    app, _, _ = started
    assert _route_table(app) == set(MATRIX)


@pytest.mark.parametrize("role", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize("route", list(MATRIX), ids=" ".join)
def test_each_role_gets_the_answer_the_matrix_declares(
    started: tuple[FastAPI, World, str], route: tuple[str, str], role: int
) -> None:
    app, world, revoked_session = started
    method, path = route
    client = TestClient(app)  # shares the started app; one cookie jar per test
    if _is_page(path):
        headers = _page_visitor(client, world, ROLES[role], revoked_session)
    else:
        headers = _bearer(world, ROLES[role])
    body = dict(_bodies(world).get(route, {}))
    if path == "/login":
        body = {"data": {"api_key": world.tokens.get(ROLES[role], "cs_nope_nope")}}
    elif "data" in body or (method == "POST" and _is_page(path)):
        body["data"] = {**body.get("data", {}), "csrf_token": headers.get(CSRF_HEADER, "")}
    response = client.request(
        method, _filled(method, path, world), headers=headers, follow_redirects=False, **body
    )
    assert _answer(response) == MATRIX[route][role], response.text[:300]


@pytest.mark.parametrize("path", sorted({path for _, path in MATRIX}))
def test_a_method_no_route_takes_is_a_405(started: tuple[FastAPI, World, str], path: str) -> None:
    app, world, _ = started
    response = TestClient(app).put(_filled("PUT", path, world), follow_redirects=False)
    assert response.status_code == 405, response.text[:300]


def _is_page(path: str) -> bool:
    return not path.startswith(("/api/", "/healthz", "/readyz", "/metrics", "/docs", "/openapi"))


def _bearer(world: World, role: str) -> dict[str, str]:
    token = world.tokens.get(role)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _page_visitor(
    client: TestClient, world: World, role: str, revoked_session: str
) -> dict[str, str]:
    headers = {"Accept": "text/html"}
    if role == "revoked":
        client.cookies[COOKIE] = revoked_session
    elif role != "none":
        headers[CSRF_HEADER] = _sign_in(client, world.tokens[role])
    return headers


def _sign_in(client: TestClient, token: str) -> str:
    """Sign ``client`` in; returns the session's CSRF token."""
    page = client.post("/login", data={"api_key": token}, headers={"Accept": "text/html"})
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, page.text[:300]
    return match.group(1)


def _filled(method: str, path: str, world: World) -> str:
    stops = method == "DELETE" or path.endswith("/stop")
    return path.format(
        call_id=world.call_id,
        item_id=world.item_id,
        customer_id=world.customer_id,
        subscription_id=world.subscription_to_stop_id if stops else world.subscription_id,
        key_id=world.key_id,
        language="ja",
        path="swagger-ui.css" if path.startswith("/docs/") else "app.css",
    )


def _answer(response: httpx.Response) -> str | int:
    code = response.status_code
    to_sign_in = response.headers.get("location", "").startswith("/login?next=")
    if code == 303 and to_sign_in:
        return LOGIN
    if code < 400 or code in (409, 415):
        return PASS
    return code
