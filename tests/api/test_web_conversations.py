"""A text conversation in the web app: a channel badge, no player, turns with the time sent."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from support.factories import make_call, said_in_turn
from support.keys import make_token
from support.samples import REPO
from support.uploads import until_rested
from support.web import HTML, signed_in

EXAMPLE = REPO / "examples" / "chat-conversation.json"


def test_a_chat_shows_as_a_conversation_on_the_list_and_its_page(
    client: TestClient, settings: Settings
) -> None:
    token = make_token(settings, Role.LEAD, "Lee")
    bearer = {"Authorization": f"Bearer {token}"}
    body = json.loads(EXAMPLE.read_text())
    created = client.post("/api/v1/conversations", headers=bearer, json=body).json()
    until_rested(client, bearer, created["id"])
    signed_in(client, token)

    listed = client.get("/calls", headers=HTML).text
    assert 'class="badge channel channel-chat"' in listed and ">Chat</span>" in listed

    page = client.get(f"/calls/{created['id']}", headers=HTML)
    assert page.status_code == 200
    assert ">Chat</span>" in page.text
    assert "<audio" not in page.text and "Recording" not in page.text
    assert 'datetime="2026-11-18T09:31:10+00:00"' in page.text  # the time Tom's reply was sent
    assert "known bug that causes evening drops" in page.text
    assert client.get(f"/calls/{created['id']}/audio", headers=HTML).status_code == 404


def test_a_recording_keeps_its_player_its_offsets_and_no_badge(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    with Session(engine) as session:
        said = said_in_turn([("agent", "Hello"), ("customer", "Hi")], every_s=65.0)
        call = make_call(session, status=CallStatus.DONE, duration_s=130.0, transcript=said)
        session.commit()
        call_id = call.id
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get(f"/calls/{call_id}", headers=HTML).text
    assert '<audio id="player"' in page and "badge channel" not in page
    assert '<span class="when">1:05</span>' in page


def test_the_channel_badge_speaks_japanese(client: TestClient, settings: Settings) -> None:
    token = make_token(settings, Role.LEAD, "Lee")
    body = json.loads(EXAMPLE.read_text())
    body["channel"] = "email"
    client.post("/api/v1/conversations", headers={"Authorization": f"Bearer {token}"}, json=body)
    signed_in(client, token)
    listed = client.get("/calls", headers={**HTML, "Accept-Language": "ja"}).text
    assert ">メール</span>" in listed
