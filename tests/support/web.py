"""Signing a TestClient in to the pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

HTML = {"Accept": "text/html"}


def signed_in(client: TestClient, token: str) -> str:
    """Sign ``client`` in with ``token``; returns the page's CSRF token."""
    response = client.post("/login", data={"api_key": token, "next": "/calls"}, headers=HTML)
    assert response.status_code == 200, response.text
    match = re.search(r'name="csrf-token" content="([^"]+)"', response.text)
    assert match
    return match.group(1)
