"""Inbound webhooks: signed JSON CRM events and Salesforce Outbound Messages."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.core.call_states import RESTING_STATUSES
from agent.core.settings import Settings
from agent.core.tables import Call, CrmCase, InboundEvent
from agent.kpis.tables import ServiceCase
from agent.webhooks.signatures import SignatureError, sign, verify
from support.audio import tone, write_wav
from support.http_peer import HttpPeer
from support.polling import wait_for

SECRET = "whsec-test-0123456789"
TOKEN = "sf-outbound-token-123"
FETCH_TIMEOUT_S = 2.0


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        runner_workers=1,
        webhook_secrets=f"old-secret-987654321,{SECRET}",
        recording_allowed_hosts="recordings.example.com,localhost",
        recording_allowed_private_hosts="127.0.0.1",
        max_upload_mb=0.5,
        recording_fetch_timeout_s=FETCH_TIMEOUT_S,
        salesforce_outbound_token=TOKEN,
        salesforce_org_id="00D000000000001",
    )


def post_event(
    client: TestClient, event: dict[str, Any], secret: str = SECRET, at: float | None = None
) -> Any:
    body = json.dumps(event).encode()
    header = sign(secret, body, int(at if at is not None else time.time()))
    return client.post(
        "/api/v1/webhooks/crm",
        content=body,
        headers={"Callsight-Signature": header, "Content-Type": "application/json"},
    )


def case_event(event_id: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "data": {"id": "500000000000001AAA", **data}}


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(InboundEvent)).one(),
            session.exec(select(func.count()).select_from(CrmCase)).one(),
            session.exec(select(func.count()).select_from(Call)).one(),
        )


def test_case_events_are_applied_once(client: TestClient, engine: Engine) -> None:
    created = post_event(
        client, case_event("evt-1", "case.created", number="00001026", status="New")
    )
    assert created.status_code == 200, created.text
    closed = post_event(client, case_event("evt-2", "case.closed", status="Closed"))
    assert closed.status_code == 200
    replay = post_event(
        client, case_event("evt-1", "case.created", number="00001026", status="New")
    )
    assert replay.status_code == 409 and "already received" in replay.json()["detail"]
    with Session(engine) as session:
        case = session.get(CrmCase, "500000000000001AAA")
        assert case is not None and case.status == "Closed" and case.closed_at is not None
        assert case.number == "00001026"
        kpi_case = session.exec(
            select(ServiceCase).where(ServiceCase.crm_case_id == "500000000000001AAA")
        ).one()
        assert kpi_case.closed_ts is not None  # the KPIs see the case as closed by the CRM
    assert counts(engine)[:2] == (2, 1)


@pytest.mark.parametrize(
    ("secret", "age_s", "problem"),
    [
        ("not-the-secret-at-all", 0, "does not match"),
        # Well past the 300 s tolerance: the header carries whole seconds and a loaded machine
        # takes a while to answer, so 301 s could land inside it.
        (SECRET, 330, "more than 300 s"),
        (SECRET, -330, "more than 300 s"),
    ],
)
def test_wrong_secrets_and_stale_signatures_change_nothing(
    client: TestClient, engine: Engine, secret: str, age_s: int, problem: str
) -> None:
    event = case_event("evt-9", "case.created", status="New")
    response = post_event(client, event, secret=secret, at=time.time() - age_s)
    assert response.status_code == 401 and problem in response.json()["detail"]
    assert counts(engine) == (0, 0, 0)
    assert post_event(client, event).status_code == 200  # the same event, signed right, counts


def test_a_replay_re_signed_with_a_fresh_timestamp_is_still_refused(
    client: TestClient, engine: Engine
) -> None:
    event = case_event("evt-3", "case.updated", status="Working")
    assert post_event(client, event).status_code == 200
    later = case_event("evt-3", "case.updated", status="Escalated")
    assert post_event(client, later, at=time.time() + 5).status_code == 409
    with Session(engine) as session:
        case = session.get(CrmCase, "500000000000001AAA")
        assert case is not None and case.status == "Working"


def test_malformed_bodies_get_a_clear_4xx_and_change_nothing(
    client: TestClient, engine: Engine
) -> None:
    def raw(body: bytes, header: str | None = "sign") -> Any:
        headers = {"Callsight-Signature": sign(SECRET, body, int(time.time()))} if header else {}
        return client.post("/api/v1/webhooks/crm", content=body, headers=headers)

    assert raw(b"{not json").status_code == 400
    missing_id = raw(json.dumps({"type": "case.created", "data": {}}).encode())
    assert missing_id.status_code == 422 and "id" in missing_id.json()["detail"]
    unknown = raw(json.dumps({"id": "e", "type": "lead.created", "data": {}}).encode())
    assert unknown.status_code == 422 and "type" in unknown.json()["detail"]
    no_case_id = raw(json.dumps({"id": "e2", "type": "case.closed", "data": {}}).encode())
    assert no_case_id.status_code == 422 and "id: Field required" in no_case_id.json()["detail"]
    unsigned = raw(b"{}", header=None)
    assert unsigned.status_code == 401 and "missing" in unsigned.json()["detail"]
    garbled = client.post(
        "/api/v1/webhooks/crm", content=b"{}", headers={"Callsight-Signature": "v1=abc"}
    )
    assert garbled.status_code == 401 and "t=<unix seconds>" in garbled.json()["detail"]
    huge = raw(b"[" + b"1," * 600_000 + b"1]")
    assert huge.status_code == 413
    assert counts(engine) == (0, 0, 0)


ODD_SIGNATURES = [
    b"t=",
    b"t=1,v1=",
    b"t=,v1=" + b"a" * 64,
    "t=\u00b2,v1=ab".encode("latin-1"),  # a superscript two: a digit to str.isdigit, not to int
    "t=\u0661\u0662,v1=ab".encode(),  # Arabic-Indic digits, as UTF-8
    "t=1,v1=\u00e9\u00e9".encode("latin-1"),
    "t=1,v1=\u901a\u8a71".encode(),
    b"t=" + b"9" * 5000 + b",v1=" + b"a" * 64,
    b"t=" + b"9" * 30 + b",v1=" + b"a" * 64,
    b"t=-5,v1=" + b"a" * 64,
    b"t=1.5,v1=" + b"a" * 64,
    b"t=1,t=2,v1=" + b"a" * 64,
    b",,,=,=",
]


def test_odd_signature_headers_are_401_with_the_format_message(
    client: TestClient, engine: Engine
) -> None:
    body = json.dumps(case_event("evt-odd", "case.created")).encode()
    for header in ODD_SIGNATURES:
        response = client.post(
            "/api/v1/webhooks/crm", content=body, headers={"Callsight-Signature": header}
        )
        assert response.status_code == 401, (header[:40], response.text)
        assert "must look like t=<unix seconds>,v1=<hex>" in response.json()["detail"], header
    empty = client.post("/api/v1/webhooks/crm", content=body, headers={"Callsight-Signature": ""})
    assert empty.status_code == 401 and "missing" in empty.json()["detail"]
    assert counts(engine) == (0, 0, 0)


@pytest.mark.parametrize("header", [h.decode("latin-1") for h in ODD_SIGNATURES])
def test_the_verifier_refuses_odd_headers_as_the_server_decodes_them(header: str) -> None:
    # The test client re-encodes non-ASCII header bytes; a server hands them over as Latin-1.
    with pytest.raises(SignatureError, match="must look like"):
        verify(header, b"{}", [SECRET], time.time())


def recording_event(event_id: str, url: str) -> dict[str, Any]:
    data = {"url": url, "customer_email": "ana@acme.test", "crm_case_id": "00001026"}
    return {"id": event_id, "type": "recording.available", "data": data}


def test_a_recording_server_announcing_an_odd_length_is_refused(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    with HttpPeer() as peer:
        peer.files["/rec/odd.wav"] = write_wav(tmp_path / "odd.wav", [tone(0.2)]).read_bytes()
        peer.declared_length = "\u00b2"  # a superscript two: a digit to str.isdigit, not to int
        response = post_event(client, recording_event("rec-odd", f"{peer.url}/rec/odd.wav"))
    # RFC 9112 (6.3): a response with an invalid Content-Length is discarded, not guessed at.
    assert response.status_code == 422 and "Content-Length" in response.json()["detail"]
    assert counts(engine) == (0, 0, 0)


def test_a_recording_is_fetched_once_and_becomes_a_call(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    wav = write_wav(tmp_path / "call.wav", [tone(0.5)]).read_bytes()
    with HttpPeer() as peer:
        peer.files["/rec/call-1.wav"] = wav
        response = post_event(client, recording_event("rec-1", f"{peer.url}/rec/call-1.wav"))
        assert response.status_code == 200, response.text
        call_id = response.json()["call_id"]
        replay = post_event(client, recording_event("rec-1", f"{peer.url}/rec/call-1.wav"))
        assert replay.status_code == 409
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None and call.audio_bytes == len(wav)
        assert call.original_filename == "call-1.wav" and call.crm_case_id == "00001026"
    assert counts(engine) == (1, 0, 1)
    headers = {"Authorization": "Bearer " + _admin(client, engine)}
    wait_for(
        lambda: (
            client.get(f"/api/v1/calls/{call_id}", headers=headers).json()["status"]
            in RESTING_STATUSES
        ),
        timeout=180,
    )


def test_no_database_connection_is_held_while_a_recording_downloads(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    app_engine: Engine = client.app.state.container.engine  # type: ignore[attr-defined]
    held_during_fetch: list[int] = []
    wav = write_wav(tmp_path / "call.wav", [tone(0.5)]).read_bytes()
    with HttpPeer() as peer:
        peer.files["/rec/slow.wav"] = wav
        peer.on_get = lambda _path: held_during_fetch.append(app_engine.pool.checkedout())
        response = post_event(client, recording_event("rec-held", f"{peer.url}/rec/slow.wav"))
    assert response.status_code == 200, response.text
    assert held_during_fetch == [0]
    assert counts(engine) == (1, 0, 1)


def _admin(client: TestClient, engine: Engine) -> str:
    from agent.auth.keys import Role, create_key

    with Session(engine) as session:
        token = create_key(session, Role.ADMIN, "hook admin")
        session.commit()
    return token


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://169.254.169.254/latest/meta-data/", "not allowed"),
        ("http://localhost:9/x.wav", "non-public address"),
        ("file:///etc/passwd", "only http(s)"),
        ("http://user:pw@recordings.example.com/x.wav", "credentials"),
    ],
)
def test_recording_urls_outside_the_allowed_hosts_are_refused(
    client: TestClient, engine: Engine, url: str, problem: str
) -> None:
    response = post_event(client, recording_event("rec-x", url))
    assert response.status_code == 422 and problem in response.json()["detail"]
    assert counts(engine) == (0, 0, 0)


def test_recording_metadata_with_a_bad_language_or_email_is_refused_before_fetching(
    client: TestClient, engine: Engine
) -> None:
    event = recording_event("rec-meta", "http://127.0.0.1:9/x.wav")
    event["data"].update(customer_email="<script>", language="xx")
    response = post_event(client, event)
    assert response.status_code == 422, response.text
    assert "not a valid email address" in response.json()["detail"]
    assert "language 'xx'" in response.json()["detail"]
    assert counts(engine) == (0, 0, 0)


def test_oversized_or_missing_recordings_are_refused(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    big = write_wav(tmp_path / "big.wav", [tone(20.0)]).read_bytes()  # 640 KB > 0.5 MB
    with HttpPeer() as peer:
        peer.files["/big.wav"] = big
        too_big = post_event(client, recording_event("rec-big", f"{peer.url}/big.wav"))
        missing = post_event(client, recording_event("rec-404", f"{peer.url}/nothing.wav"))
    assert too_big.status_code == 422 and "larger than" in too_big.json()["detail"]
    assert missing.status_code == 422 and "HTTP 404" in missing.json()["detail"]
    assert counts(engine) == (0, 0, 0)
    assert [p for p in (tmp_path / "data" / "audio").rglob("*") if p.is_file()] == []


def test_a_stalling_recording_server_is_given_up_on_at_the_fetch_timeout(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    with HttpPeer() as peer:
        peer.files["/rec/slow.wav"] = b"RIFF" + bytes(56)
        peer.trickle_s = 0.1  # each read is quick; the whole answer would take 10 s
        started = time.monotonic()
        response = post_event(client, recording_event("rec-slow", f"{peer.url}/rec/slow.wav"))
        took = time.monotonic() - started
    assert took < FETCH_TIMEOUT_S + 1.5
    assert response.status_code == 422, response.text
    assert f"within {FETCH_TIMEOUT_S} s" in response.json()["detail"]
    assert counts(engine) == (0, 0, 0)
    assert [p for p in (tmp_path / "data" / "audio").rglob("*") if p.is_file()] == []


def outbound_message(notification_id: str, status: str, org: str = "00D000000000001AAA") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org}</OrganizationId>
   <ActionId>04k000000000001AAA</ActionId>
   <Notification>
    <Id>{notification_id}</Id>
    <sObject xsi:type="sf:Case" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>500000000000002AAA</sf:Id>
     <sf:CaseNumber>00001027</sf:CaseNumber>
     <sf:Status>{status}</sf:Status>
     <sf:IsClosed>{str(status == "Closed").lower()}</sf:IsClosed>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>""".encode()


def test_salesforce_outbound_messages_are_acknowledged_and_applied_once(
    client: TestClient, engine: Engine
) -> None:
    url = f"/api/v1/webhooks/salesforce?token={TOKEN}"
    first = client.post(url, content=outbound_message("04l01", "Closed"))
    assert first.status_code == 200 and "<Ack>true</Ack>" in first.text
    assert first.headers["content-type"].startswith("text/xml")
    again = client.post(url, content=outbound_message("04l01", "New"))
    assert again.status_code == 200 and "<Ack>true</Ack>" in again.text
    with Session(engine) as session:
        case = session.get(CrmCase, "500000000000002AAA")
        assert case is not None and case.status == "Closed" and case.closed_at is not None
    assert counts(engine)[:2] == (1, 1)


def test_bad_outbound_messages_are_refused(client: TestClient, engine: Engine) -> None:
    url = f"/api/v1/webhooks/salesforce?token={TOKEN}"
    assert (
        client.post("/api/v1/webhooks/salesforce?token=guess", content=b"<x/>").status_code == 401
    )
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<lolz>&lol2;</lolz>"""
    refused = client.post(url, content=bomb)
    assert refused.status_code == 400 and "not acceptable XML" in refused.json()["detail"]
    assert client.post(url, content=b"<unclosed").status_code == 400
    other_org = client.post(url, content=outbound_message("04l02", "New", org="00D999999999999AAA"))
    assert other_org.status_code == 403
    assert counts(engine) == (0, 0, 0)
