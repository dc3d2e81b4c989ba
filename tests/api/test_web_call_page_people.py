"""The call page's people: transcript downloads in every format, speakers' names, and action
item owners chosen from the agent, the customer and the known users."""

from __future__ import annotations

import html
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.audit.tables import AuditEvent
from agent.auth.keys import Role
from agent.calls.exports import MEDIA_TYPES, TranscriptFormat
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import ActionItem, Call
from support.factories import SeedSummary, make_agent, make_call, make_customer, said_in_turn
from support.keys import make_token
from support.web import HTML, signed_in

LINES = [("agent", "Thanks for calling Acme."), ("customer", "My router is down.")]


def seeded(engine: Engine, transcript: bool = True, customer: str = "Dana Kim") -> str:
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.REVIEW,
            duration_s=8.0 if transcript else None,
            customer=make_customer(session, name=customer),
            agent=make_agent(session, name="Sam Lee", email="sam@example.com"),
            transcript=said_in_turn(LINES) if transcript else (),
            summary=SeedSummary(),
            action_items=1,
        )
        make_agent(session, name="Pat Jones", email="pat@example.com")
        session.commit()
        return call.id


def name_speakers(client: TestClient, csrf: str, call_id: str, **rows: tuple[str, str]) -> int:
    form = {
        "speaker": list(rows),
        "name": [name for name, _ in rows.values()],
        "role": [role for _, role in rows.values()],
        "csrf_token": csrf,
    }
    answer = client.post(f"/calls/{call_id}/speakers", data=form, headers=HTML)
    return answer.status_code


@pytest.mark.parametrize("fmt", list(TranscriptFormat))
def test_the_page_downloads_the_transcript_in_each_format_with_the_speakers_names(
    client: TestClient, settings: Settings, engine: Engine, fmt: TranscriptFormat
) -> None:
    call_id = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    assert name_speakers(
        client, csrf, call_id, agent=("Sam Lee", "agent"), customer=("Dana Kim", "customer")
    ) == (200)
    answer = client.get(f"/calls/{call_id}/transcript", params={"format": fmt.value})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].split(";")[0] == MEDIA_TYPES[fmt].split(";")[0]
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="Dana-Kim-2026-11-18-1000-transcript.{fmt.value}"'
    )
    if fmt is TranscriptFormat.JSON:
        assert json.loads(answer.text)["segments"][1]["name"] == "Dana Kim"
    else:
        assert "Dana Kim (customer)" in answer.text and "Sam Lee (agent)" in answer.text
    with Session(engine) as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.via == "web")).all()
    assert "transcript.downloaded" in actions


def test_the_page_links_every_format_and_a_japanese_name_survives_the_file_name(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id = seeded(engine, customer="山田商事")
    signed_in(client, make_token(settings, Role.REP, "Rita"))
    page = client.get(f"/calls/{call_id}", headers=HTML)
    assert page.status_code == 404  # not the rep's call: neither page nor download
    assert client.get(f"/calls/{call_id}/transcript", headers=HTML).status_code == 404
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get(f"/calls/{call_id}", headers=HTML).text
    for fmt in TranscriptFormat:
        assert f'href="/calls/{call_id}/transcript?format={fmt.value}"' in page
    answer = client.get(f"/calls/{call_id}/transcript?format=srt")
    assert "filename*=UTF-8''%E5%B1%B1" in answer.headers["content-disposition"]


def test_no_transcript_yet_is_a_readable_page_and_a_wrong_format_is_explained(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id = seeded(engine, transcript=False)
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    early = client.get(f"/calls/{call_id}/transcript?format=txt", headers=HTML)
    assert early.status_code == 409
    assert "no transcript yet" in early.text and "<!doctype html>" in early.text
    wrong = client.get(f"/calls/{call_id}/transcript?format=docx", headers=HTML)
    assert wrong.status_code == 422 and "<!doctype html>" in wrong.text


def test_a_lead_swaps_roles_and_the_page_shows_the_names(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    swapped = name_speakers(
        client, csrf, call_id, agent=("Dana Kim", "customer"), customer=("", "agent")
    )
    assert swapped == 200
    with Session(engine) as session:
        assert session.get(Call, call_id).speaker_names == {  # type: ignore[union-attr]
            "agent": {"name": "Dana Kim", "role": "customer"},
            "customer": {"name": None, "role": "agent"},
        }
    page = html.unescape(client.get(f"/calls/{call_id}", headers=HTML).text)
    assert "Dana Kim (customer)" in page


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ({"agent": ("x" * 101, "agent")}, "at most 100"),
        ({"agent": ("Sam", "customer")}, "cannot share a role"),
        ({"robot": ("Sam", "agent")}, "Speakers"),
    ],
)
def test_wrong_speaker_forms_are_explained(
    client: TestClient,
    settings: Settings,
    engine: Engine,
    rows: dict[str, tuple[str, str]],
    says: str,
) -> None:
    call_id = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    form = {
        "speaker": list(rows),
        "name": [n for n, _ in rows.values()],
        "role": [r for _, r in rows.values()],
        "csrf_token": csrf,
    }
    answer = client.post(f"/calls/{call_id}/speakers", data=form, headers=HTML)
    assert answer.status_code == 422
    assert says in html.unescape(answer.text)


def test_reps_cannot_name_speakers(client: TestClient, settings: Settings, engine: Engine) -> None:
    call_id = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.REP, "Sam Lee", "sam@example.com"))
    assert name_speakers(client, csrf, call_id, agent=("Sam", "agent")) == 403


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Sam Lee (agent)", ("Sam Lee", "agent")),
        ("Dana Kim (customer)", ("Dana Kim", "customer")),
        ("customer", ("Dana Kim", "customer")),
        ("Pat Jones", ("Pat Jones", None)),
        ("  Someone Else ", ("Someone Else", None)),
        ("Sam L. (agent)", ("Sam L.", "agent")),
    ],
)
def test_an_owner_is_stored_by_name_with_the_role_beside_it(
    client: TestClient,
    settings: Settings,
    engine: Engine,
    typed: str,
    stored: tuple[str, str | None],
) -> None:
    call_id = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    form = {"description": "Send a router", "owner": typed, "csrf_token": csrf}
    assert client.post(f"/calls/{call_id}/items", data=form, headers=HTML).status_code == 200
    with Session(engine) as session:
        item = session.exec(select(ActionItem).order_by(col(ActionItem.position).desc())).first()
    assert item is not None and (item.owner, item.owner_role) == stored


def test_the_owner_fields_offer_the_agent_the_customer_and_known_users(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id = seeded(engine)
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = html.unescape(client.get(f"/calls/{call_id}", headers=HTML).text)
    choices = page.split('<datalist id="owner-choices">')[1].split("</datalist>")[0]
    assert choices.index('value="Sam Lee (agent)"') < choices.index('value="Pat Jones"')
    assert 'value="Dana Kim (customer)"' in choices
    assert choices.count("Sam Lee") == 1  # the agent is not offered twice as a user
    assert 'list="owner-choices"' in page
