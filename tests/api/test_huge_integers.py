"""Integers past what a 64-bit database column holds are refused, never a server error."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from agent.auth.keys import Role
from agent.core.settings import Settings
from api.app import create_app
from support.keys import make_token

HUGE = 2**63  # one past the largest signed 64-bit integer
HTML = {"Accept": "text/html"}

API_ROUTES = [
    ("GET", f"/api/v1/calls?offset={HUGE}", None),
    ("GET", f"/api/v1/customers/{HUGE}", None),
    ("GET", f"/api/v1/kpis?agent={HUGE}", None),
    ("GET", f"/api/v1/kpis?customer={HUGE}", None),
    ("DELETE", f"/api/v1/webhooks/subscriptions/{HUGE}", None),
    ("GET", f"/api/v1/webhooks/subscriptions/{HUGE}/deliveries", None),
    ("POST", "/api/v1/surveys", {"customer_id": HUGE, "csat": 4}),
    ("POST", "/api/v1/surveys", {"contact_id": HUGE, "csat": 4}),
]
PAGE_ROUTES = [
    ("GET", f"/customers/{HUGE}"),
    ("GET", f"/calls?page={HUGE}"),
    ("POST", f"/admin/keys/{HUGE}/revoke"),
    ("POST", f"/admin/webhooks/{HUGE}/stop"),
]


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES)
def test_the_api_answers_422_for_an_integer_past_64_bits(
    settings: Settings, method: str, path: str, body: dict[str, int] | None
) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        token = make_token(settings, Role.ADMIN, "Ada")
        headers = {"Authorization": f"Bearer {token}"}
        response = client.request(method, path, headers=headers, json=body)
    assert response.status_code == 422, response.text
    assert str(HUGE) in response.text or "less than or equal" in response.text


@pytest.mark.parametrize(("method", "path"), PAGE_ROUTES)
def test_a_page_answers_404_for_an_integer_past_64_bits(
    settings: Settings, method: str, path: str
) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        page = client.post(
            "/login", data={"api_key": make_token(settings, Role.ADMIN, "Ada")}, headers=HTML
        )
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert csrf
        data = {"csrf_token": csrf.group(1)} if method == "POST" else None
        response = client.request(method, path, data=data, headers=HTML)
    assert response.status_code == 404, response.text
    assert "Not found" in response.text
