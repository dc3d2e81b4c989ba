"""Text conversations over HTTP: a chat goes to done like a call; bad ones are refused whole."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, func, select

from agent.calls.conversations import MAX_TEXT_CHARS, MAX_TURNS
from agent.core.call_states import CallStatus
from agent.core.tables import Call, Summary
from agent.kpis.tables import Contact
from support.samples import REPO
from support.uploads import until_rested

EXAMPLE = REPO / "examples" / "chat-conversation.json"


def chat() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return loaded


def test_a_chat_goes_to_done_without_audio_and_counts_as_a_contact(
    client: TestClient, admin_headers: dict[str, str], engine: Engine
) -> None:
    response = client.post("/api/v1/conversations", headers=admin_headers, json=chat())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["channel"] == "chat" and created["audio"] is None
    assert created["status"] == "summarising"  # no speech stage: straight to the summary
    call = until_rested(client, admin_headers, created["id"])
    assert call["status"] == "done", call["failure_reason"]
    assert call["customer"] == "Priya Natarajan" and call["agent"] == "Tom Okafor"
    assert call["filename"] == "Router keeps dropping the connection"
    segments = call["transcript"]["segments"]
    assert [s["speaker"] for s in segments] == [
        "customer",
        "agent",
        "agent",
        "customer",
        "agent",
        "customer",
    ]
    assert [s["start"] for s in segments][:2] == [5.0, 70.0]
    assert call["duration_s"] == 470.0
    assert call["summary"]["engine"] == "builtin" and call["summary"]["text"]
    assert call["crm"]["status"] == "synced"
    with Session(engine) as session:
        contact = session.exec(select(Contact).where(Contact.call_id == call["id"])).one()
    assert contact.customer_id is not None

    listed = client.get("/api/v1/calls", headers=admin_headers).json()
    assert [row["channel"] for row in listed["items"]] == ["chat"]


def test_a_conversation_has_no_recording_but_its_transcript_exports(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    created = client.post("/api/v1/conversations", headers=admin_headers, json=chat()).json()
    audio = client.get(f"/api/v1/calls/{created['id']}/audio", headers=admin_headers)
    assert audio.status_code == 404
    assert "chat conversation" in audio.json()["detail"]
    for fmt, expected in [("txt", "evening"), ("srt", "00:01:10,000"), ("json", '"speaker"')]:
        exported = client.get(
            f"/api/v1/calls/{created['id']}/transcript",
            headers=admin_headers,
            params={"format": fmt},
        )
        assert exported.status_code == 200, exported.text
        assert expected in exported.text


def _with(change: dict[str, Any]) -> dict[str, Any]:
    body = chat()
    body.update(change)
    return body


def _turn(position: int, **change: Any) -> dict[str, Any]:
    body = chat()
    body["turns"][position].update(change)
    return body


def _without(field: str) -> dict[str, Any]:
    body = chat()
    del body[field]
    return body


def _reordered() -> dict[str, Any]:
    body = chat()
    body["turns"][1], body["turns"][2] = body["turns"][2], body["turns"][1]
    return body


BAD = {
    "unknown channel": (_with({"channel": "fax"}), "channel"),
    "voice channel": (_with({"channel": "voice"}), "upload it to /api/v1/calls"),
    "empty text": (_turn(1, text="   "), "a turn needs some text"),
    "long turn": (_turn(1, text="x" * 50_001), "at most 50000 characters"),
    "unknown speaker": (_turn(2, speaker="Bob"), "turns[2].speaker: 'Bob'"),
    "a speaker mapped to no side": (_with({"speakers": {"Priya": "unknown"}}), "'Priya' must"),
    "turns out of order": (_reordered(), "turns[2].at"),
    "turn before the start": (_turn(0, at="2026-11-18T09:00:00Z"), "turns[0].at"),
    "turns months after the start": (_with({"started_at": "2026-01-01T09:00:00Z"}), "90 days"),
    "not a time": (_turn(0, at="yesterday"), "ISO 8601"),
    "unknown language": (_with({"language": "xx"}), "language"),
    "language left to detect": (_with({"language": "auto"}), "written in"),
    "no language": (_without("language"), "language"),
    "no turns": (_with({"turns": []}), "turns"),
    "a typo'd field": (_with({"custmer_name": "Priya"}), "custmer_name"),
    "bad email": (_with({"customer_email": "priya"}), "customer_email"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_conversation_is_a_422_naming_the_field_and_nothing_is_kept(
    client: TestClient, admin_headers: dict[str, str], case: str
) -> None:
    body, named = BAD[case]
    response = client.post("/api/v1/conversations", headers=admin_headers, json=body)
    assert response.status_code == 422, response.text
    assert named in response.text
    assert client.get("/api/v1/calls", headers=admin_headers).json()["total"] == 0


def _many_turns() -> dict[str, Any]:
    body = chat()
    body["turns"] = [copy.deepcopy(body["turns"][0]) for _ in range(MAX_TURNS + 1)]
    return body


def _much_text() -> dict[str, Any]:
    body = chat()
    words = "x" * 40_000
    body["turns"] = [
        dict(body["turns"][0], text=words) for _ in range(MAX_TEXT_CHARS // 40_000 + 1)
    ]
    return body


@pytest.mark.parametrize("body", [_many_turns(), _much_text()], ids=["turns", "characters"])
def test_too_big_a_conversation_is_a_413_and_nothing_is_kept(
    client: TestClient, admin_headers: dict[str, str], body: dict[str, Any]
) -> None:
    response = client.post("/api/v1/conversations", headers=admin_headers, json=body)
    assert response.status_code == 413, response.text
    assert "turns: a conversation holds at most" in response.json()["detail"]
    assert client.get("/api/v1/calls", headers=admin_headers).json()["total"] == 0


def test_a_body_declared_too_large_is_a_413(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json", "Content-Length": "99999999"}
    response = client.post("/api/v1/conversations", headers=headers, content=b"{}")
    assert response.status_code == 413, response.text


def test_not_json_is_a_4xx(client: TestClient, admin_headers: dict[str, str]) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}
    response = client.post("/api/v1/conversations", headers=headers, content=b"{not json")
    assert 400 <= response.status_code < 500, response.text
    with Session(client.app.state.container.engine) as session:  # type: ignore[attr-defined]
        assert session.exec(select(func.count()).select_from(Call)).one() == 0


def test_a_failed_conversation_is_retried_from_its_summary(
    client: TestClient, admin_headers: dict[str, str], engine: Engine
) -> None:
    created = client.post("/api/v1/conversations", headers=admin_headers, json=chat()).json()
    until_rested(client, admin_headers, created["id"])
    with Session(engine) as session:
        call = session.get_one(Call, created["id"])
        call.status, call.failure_reason = CallStatus.FAILED, "summary failed: the model was away"
        session.exec(delete(Summary).where(col(Summary.call_id) == call.id))
        session.add(call)
        session.commit()
    retried = client.post(f"/api/v1/calls/{created['id']}/retry", headers=admin_headers)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "summarising"
    assert until_rested(client, admin_headers, created["id"])["status"] == "done"
