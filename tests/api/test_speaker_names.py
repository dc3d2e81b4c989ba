"""Speakers named and re-roled per call: through the API, in the call's JSON and its exports."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.audit.tables import AuditEvent
from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import ActionItem, Call
from support.factories import SeedSummary, make_agent, make_call, make_customer, said_in_turn
from support.keys import bearer


def seeded(engine: Engine, transcript: bool = True) -> str:
    lines = [("agent", "Thanks for calling Acme."), ("customer", "My router is down.")]
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.REVIEW,
            duration_s=8.0 if transcript else None,
            customer=make_customer(session, name="Dana Kim"),
            agent=make_agent(session, name="Sam Lee"),
            transcript=said_in_turn(lines) if transcript else (),
            summary=SeedSummary(),
        )
        session.commit()
        return call.id


def rename(
    client: TestClient, headers: dict[str, str], call_id: str, *speakers: dict[str, Any]
) -> Any:
    return client.patch(
        f"/api/v1/calls/{call_id}/speakers", json={"speakers": list(speakers)}, headers=headers
    )


def test_a_lead_names_and_swaps_speakers_and_every_export_follows(
    client: TestClient, engine: Engine, lead_headers: dict[str, str]
) -> None:
    call_id = seeded(engine)
    answer = rename(
        client,
        lead_headers,
        call_id,
        {"speaker": "agent", "name": "  Dana Kim ", "role": "customer"},
        {"speaker": "customer", "name": "Sam Lee", "role": "agent"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["speakers"] == [
        {"speaker": "agent", "role": "customer", "name": "Dana Kim"},
        {"speaker": "customer", "role": "agent", "name": "Sam Lee"},
    ]
    assert client.get(f"/api/v1/calls/{call_id}", headers=lead_headers).json()["speakers"][0][
        "name"
    ] == ("Dana Kim")
    txt = client.get(f"/api/v1/calls/{call_id}/transcript?format=txt", headers=lead_headers)
    assert txt.text.splitlines()[0].endswith("Dana Kim (customer): Thanks for calling Acme.")
    vtt = client.get(f"/api/v1/calls/{call_id}/transcript?format=vtt", headers=lead_headers)
    assert "<v Sam Lee (agent)>My router is down." in vtt.text


def test_an_omitted_field_stays_and_a_null_name_clears(
    client: TestClient, engine: Engine, lead_headers: dict[str, str]
) -> None:
    call_id = seeded(engine)
    rename(client, lead_headers, call_id, {"speaker": "agent", "name": "Sam Lee"})
    kept = rename(client, lead_headers, call_id, {"speaker": "customer", "name": "Dana"})
    assert [s["name"] for s in kept.json()["speakers"]] == ["Sam Lee", "Dana"]
    cleared = rename(client, lead_headers, call_id, {"speaker": "agent", "name": None})
    assert cleared.json()["speakers"][0] == {"speaker": "agent", "role": "agent", "name": None}


@pytest.mark.parametrize(
    ("speakers", "says"),
    [
        ([{"speaker": "unknown", "name": "Al"}], "it has no unknown"),
        ([{"speaker": "robot", "name": "Al"}], "speaker"),
        ([{"speaker": "agent", "name": "   "}], "at least 1"),
        ([{"speaker": "agent", "name": "x" * 101}], "at most 100"),
        ([{"speaker": "agent", "role": "customer"}], "cannot share a role"),
        ([{"speaker": "agent", "name": "A"}, {"speaker": "agent", "name": "B"}], "once"),
        ([], "at least 1"),
    ],
)
def test_wrong_speakers_are_a_422_naming_the_problem(
    client: TestClient,
    engine: Engine,
    lead_headers: dict[str, str],
    speakers: list[dict[str, Any]],
    says: str,
) -> None:
    call_id = seeded(engine)
    answer = rename(client, lead_headers, call_id, *speakers)
    assert answer.status_code == 422, answer.text
    assert says in answer.text
    with Session(engine) as session:
        assert session.get(Call, call_id).speaker_names is None  # type: ignore[union-attr]


def test_a_call_without_a_transcript_has_no_speakers_to_name(
    client: TestClient, engine: Engine, lead_headers: dict[str, str]
) -> None:
    call_id = seeded(engine, transcript=False)
    answer = rename(client, lead_headers, call_id, {"speaker": "agent", "name": "Sam"})
    assert answer.status_code == 409
    assert "no transcript yet" in answer.json()["detail"]


def test_only_leads_and_admins_name_speakers(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    call_id = seeded(engine)
    rep = bearer(settings, Role.REP, "Rita")
    answer = rename(client, rep, call_id, {"speaker": "agent", "name": "Sam"})
    assert answer.status_code == 403
    admin = bearer(settings, Role.ADMIN, "Ada")
    assert rename(client, admin, call_id, {"speaker": "agent", "name": "Sam"}).status_code == 200


def test_a_rename_is_audited_without_the_names(
    client: TestClient, engine: Engine, lead_headers: dict[str, str]
) -> None:
    call_id = seeded(engine)
    rename(client, lead_headers, call_id, {"speaker": "customer", "name": "Dana Kim"})
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent)
            .where(AuditEvent.call_id == call_id, AuditEvent.action == "call.edited")
            .order_by(col(AuditEvent.id).desc())
        ).first()
    assert event is not None
    assert event.target == "speakers customer"


@pytest.mark.parametrize(
    ("owner", "role"), [("sam lee", "agent"), ("Pat Jones", None), ("customer", "customer")]
)
def test_an_owner_edited_through_the_api_keeps_a_party_role_only_when_the_name_is_theirs(
    client: TestClient,
    engine: Engine,
    lead_headers: dict[str, str],
    owner: str,
    role: str | None,
) -> None:
    call_id = seeded(engine)
    with Session(engine) as session:
        item = make_call_item(session, call_id)
    blank = {"action_items": [{"id": item, "owner": ""}]}
    refused = client.patch(f"/api/v1/calls/{call_id}", json=blank, headers=lead_headers)
    assert refused.status_code == 422
    body = {"action_items": [{"id": item, "owner": owner}]}
    answer = client.patch(f"/api/v1/calls/{call_id}", json=body, headers=lead_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["action_items"][0]["owner_role"] == role


def make_call_item(session: Session, call_id: str) -> str:
    item = ActionItem(call_id=call_id, position=0, description="Send a router", owner="agent")
    session.add(item)
    session.commit()
    return item.id
