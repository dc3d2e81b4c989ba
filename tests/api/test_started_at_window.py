"""When a call started must fall in the service's window, by every way a call comes in."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.auth.keys import Role
from agent.core.settings import Settings
from agent.core.tables import Call, CrmCase
from agent.webhooks.signatures import sign
from api.app import create_app
from support.audio import tone, write_wav
from support.cli import callsight
from support.keys import make_token

SECRET = "whsec-window-0123456789"
REFUSAL = "between 2000-01-01 and one day from now"
NOT_ISO = "is not an ISO 8601 date and time"
REFUSED = {
    "9999-12-31T23:59:59Z": REFUSAL,
    "0001-01-01T00:00:00Z": REFUSAL,
    "1999-12-31T23:59:59Z": REFUSAL,
    (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat(): REFUSAL,
    "-1": NOT_ISO,  # lax parsing read it as Unix time, the last second of 1969
}
IN_WINDOW = ["2000-01-01T00:00:00Z", dt.datetime.now(dt.UTC).isoformat()]


@pytest.fixture
def beep(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "beep.wav", [tone(0.2)])


def _calls(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Call)).one()


def test_the_api_refuses_a_start_outside_the_window_and_takes_one_inside(
    client: TestClient, admin_headers: dict[str, str], engine: Engine, beep: Path
) -> None:
    for started_at in [*REFUSED, *IN_WINDOW]:
        response = client.post(
            "/api/v1/calls",
            headers=admin_headers,
            files={"file": ("beep.wav", beep.read_bytes())},
            data={"started_at": started_at},
        )
        if started_at in IN_WINDOW:
            assert response.status_code == 201, (started_at, response.text)
        else:
            assert response.status_code == 422, (started_at, response.text)
            assert "started_at" in response.text, started_at
            assert REFUSED[started_at] in response.text, started_at
    assert _calls(engine) == len(IN_WINDOW)


def test_the_page_refuses_a_start_outside_the_window(
    client: TestClient, settings: Settings, engine: Engine, beep: Path
) -> None:
    page = client.post("/login", data={"api_key": make_token(settings, Role.REP, "Ria")})
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf
    response = client.post(
        "/calls/upload",
        files={"file": ("beep.wav", beep.read_bytes())},
        data={"started_at": "9999-12-31T23:59:59Z"},
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    assert response.status_code == 422 and REFUSAL in response.json()["detail"]
    assert _calls(engine) == 0


def test_the_cli_refuses_a_start_outside_the_window(
    settings: Settings, engine: Engine, beep: Path
) -> None:
    result = callsight(settings, "process", str(beep), "--started-at", "0001-01-01T00:00:00Z")
    assert result.returncode == 2, result.stderr
    assert "--started-at" in result.stderr and REFUSAL in result.stderr
    assert _calls(engine) == 0


@pytest.fixture
def signed_client(settings: Settings) -> TestClient:
    hooked = Settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        runner_workers=1,
        webhook_secrets=SECRET,
    )
    return TestClient(create_app(hooked))


def _post_event(client: TestClient, event_type: str, data: dict[str, str]) -> dict[str, str]:
    body = json.dumps({"id": f"evt-{event_type}", "type": event_type, "data": data}).encode()
    header = sign(SECRET, body, int(time.time()))
    response = client.post(
        "/api/v1/webhooks/crm", content=body, headers={"Callsight-Signature": header}
    )
    assert response.status_code == 422, response.text
    detail: dict[str, str] = response.json()
    return detail


def test_webhooks_refuse_a_start_or_close_outside_the_window(
    signed_client: TestClient, engine: Engine
) -> None:
    with signed_client as client:
        recording = _post_event(
            client,
            "recording.available",
            {"url": "https://recordings.example.com/a.wav", "started_at": "-1"},
        )
        closed = _post_event(
            client, "case.closed", {"id": "500000000000001AAA", "closed_at": "9999-12-31T23:59Z"}
        )
    assert "started_at" in recording["detail"] and NOT_ISO in recording["detail"]
    assert "closed_at" in closed["detail"] and REFUSAL in closed["detail"]
    assert _calls(engine) == 0
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CrmCase)).one() == 0
