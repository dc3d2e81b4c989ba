"""Uploading a recording through the API and waiting until the call comes to rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from agent.core.call_states import RESTING_STATUSES
from support.polling import wait_for


def upload(
    client: TestClient, headers: dict[str, str], path: Path, **fields: str
) -> dict[str, Any]:
    with path.open("rb") as audio:
        response = client.post(
            "/api/v1/calls", headers=headers, files={"file": (path.name, audio)}, data=fields
        )
    assert response.status_code == 201, response.text
    return response.json()


def until_rested(client: TestClient, headers: dict[str, str], call_id: str) -> dict[str, Any]:
    def rested() -> dict[str, Any] | None:
        call = client.get(f"/api/v1/calls/{call_id}", headers=headers).json()
        return call if call["status"] in RESTING_STATUSES else None

    result: dict[str, Any] = wait_for(rested, timeout=180)
    return result
