"""The JSON API and the web forms share one use case per action, commit once, and only then
queue the call and publish its event; a failing request leaves nothing half-written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.calls import use_cases
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import ActionItem, Call, Summary
from support.keys import make_token

HTML = {"Accept": "text/html"}
Log = list[tuple[str, ...]]


class RecordingQueue:
    """A runner that notes each call it is given and the status the database shows then."""

    def __init__(self, engine: Engine, log: Log) -> None:
        self.engine, self.log = engine, log

    def submit(self, call_id: str) -> None:
        self.log.append(("submit", call_id, _committed_status(self.engine, call_id)))

    def shutdown(self) -> None:
        pass


def _committed_status(engine: Engine, call_id: str) -> str:
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None
        return str(CallStatus(call.status).value)


@pytest.fixture
def log(client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Log:
    """What reached the runner and the event publisher, in order."""
    entries: Log = []
    client.app.state.runner = RecordingQueue(engine, entries)  # type: ignore[attr-defined]
    container = client.app.state.container  # type: ignore[attr-defined]

    def publish(event_type: str, call_id: str, **data: object) -> None:
        seen = _committed_status(engine, call_id)
        entries.append(("publish", event_type, call_id, seen, *map(str, data.items())))

    monkeypatch.setattr(container.pipeline, "publish", publish)
    return entries


def seed_call(engine: Engine, status: CallStatus) -> tuple[str, str]:
    """A summarised call resting in ``status`` with one action item; returns both ids."""
    with Session(engine) as session:
        call = Call(
            original_filename="seed.wav",
            audio_key="se/seed.wav",
            audio_sha256="0" * 64,
            audio_bytes=1,
            audio_format="wav",
            channel_map="auto",
            status=status,
            duration_s=12.0,
        )
        session.add(call)
        session.flush()
        session.add(
            Summary(
                call_id=call.id,
                text="The customer asked about a refund.",
                resolution="resolved",
                sentiment="neutral",
                engine="builtin",
                model="builtin",
                prompt_version="v1",
            )
        )
        item = ActionItem(call_id=call.id, position=0, description="Send the form", owner="agent")
        session.add(item)
        session.commit()
        return call.id, item.id


def spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """Count the calls of ``use_cases.<name>`` while still running it."""
    called: list[str] = []
    real: Callable[..., Any] = getattr(use_cases, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        called.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(use_cases, name, wrapper)
    return called


def page_csrf(client: TestClient, settings: Settings, role: Role) -> str:
    token = make_token(settings, role, f"page {role.value}")
    response = client.post("/login", data={"api_key": token, "next": "/calls"}, headers=HTML)
    match = re.search(r'name="csrf-token" content="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


def approve_by_api(client: TestClient, settings: Settings, call_id: str) -> int:
    headers = {"Authorization": f"Bearer {make_token(settings, Role.LEAD, 'api lead')}"}
    return client.post(f"/api/v1/calls/{call_id}/approve", headers=headers).status_code


def approve_by_page(client: TestClient, settings: Settings, call_id: str) -> int:
    csrf = page_csrf(client, settings, Role.LEAD)
    response = client.post(
        f"/calls/{call_id}/approve",
        data={"csrf_token": csrf},
        headers=HTML,
        follow_redirects=False,
    )
    return response.status_code


@pytest.mark.parametrize(
    ("approve", "answer"), [(approve_by_api, 200), (approve_by_page, 303)], ids=["api", "page"]
)
def test_approval_from_the_api_or_the_page_commits_then_queues_then_publishes(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    log: Log,
    monkeypatch: pytest.MonkeyPatch,
    approve: Callable[[TestClient, Settings, str], int],
    answer: int,
) -> None:
    called = spy(monkeypatch, "approve_call")
    call_id, _ = seed_call(engine, CallStatus.REVIEW)
    assert approve(client, settings, call_id) == answer
    assert called == ["approve_call"]
    assert log == [
        ("submit", call_id, "syncing"),
        ("publish", "call.approved", call_id, "syncing"),
    ]
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None and call.approved_at is not None


def edit_item_by_api(client: TestClient, settings: Settings, call_id: str, item_id: str) -> int:
    headers = {"Authorization": f"Bearer {make_token(settings, Role.LEAD, 'api lead')}"}
    body = {"action_items": [{"id": item_id, "description": "Send the new form"}]}
    return client.patch(f"/api/v1/calls/{call_id}", json=body, headers=headers).status_code


def edit_item_by_page(client: TestClient, settings: Settings, call_id: str, item_id: str) -> int:
    csrf = page_csrf(client, settings, Role.LEAD)
    form = {"csrf_token": csrf, "description": "Send the new form", "owner": "agent"}
    url = f"/calls/{call_id}/items/{item_id}"
    return client.post(url, data=form, headers=HTML, follow_redirects=False).status_code


@pytest.mark.parametrize(
    ("edit", "answer"), [(edit_item_by_api, 200), (edit_item_by_page, 303)], ids=["api", "page"]
)
def test_editing_a_synced_call_from_the_api_or_the_page_syncs_it_again_once(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    log: Log,
    edit: Callable[[TestClient, Settings, str, str], int],
    answer: int,
) -> None:
    call_id, item_id = seed_call(engine, CallStatus.DONE)
    assert edit(client, settings, call_id, item_id) == answer
    assert log == [("submit", call_id, "syncing")]  # no approval event: it was approved before
    with Session(engine) as session:
        item = session.get(ActionItem, item_id)
        assert item is not None and item.description == "Send the new form"


def test_an_edit_naming_one_unknown_action_item_changes_nothing(
    client: TestClient, engine: Engine, lead_headers: dict[str, str], log: Log
) -> None:
    call_id, item_id = seed_call(engine, CallStatus.REVIEW)
    body = {
        "summary": "Rewritten.",
        "action_items": [
            {"id": item_id, "description": "Changed"},
            {"id": "no-such-item", "description": "Ghost"},
        ],
    }
    response = client.patch(f"/api/v1/calls/{call_id}", json=body, headers=lead_headers)
    assert response.status_code == 409
    assert response.json() == {"detail": "this call has no action item(s) no-such-item"}
    assert log == []
    with Session(engine) as session:
        summary, item = session.get(Summary, call_id), session.get(ActionItem, item_id)
        call = session.get(Call, call_id)
        assert summary is not None and summary.text == "The customer asked about a refund."
        assert item is not None and item.description == "Send the form"
        assert call is not None and call.status == CallStatus.REVIEW.value


def test_approving_twice_is_refused_and_queues_nothing_more(
    client: TestClient, engine: Engine, lead_headers: dict[str, str], log: Log
) -> None:
    call_id, _ = seed_call(engine, CallStatus.REVIEW)
    assert client.post(f"/api/v1/calls/{call_id}/approve", headers=lead_headers).status_code == 200
    again = client.post(f"/api/v1/calls/{call_id}/approve", headers=lead_headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "only a call in review can be approved; this one is syncing"}
    assert [entry[0] for entry in log] == ["submit", "publish"]


def test_no_route_page_or_upload_module_commits() -> None:
    api = Path(__file__).resolve().parents[2] / "api"
    modules = [*api.glob("routes/*.py"), *api.glob("web/*.py"), *api.glob("uploads/*.py")]
    assert modules
    committing = [str(path) for path in modules if ".commit(" in path.read_text()]
    assert committing == []
