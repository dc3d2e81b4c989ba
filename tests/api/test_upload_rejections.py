"""Bad uploads get a clear 4xx and leave nothing behind: no call row, no audio file."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.core.call_states import RESTING_STATUSES
from agent.core.settings import Settings
from agent.core.tables import Call
from support.audio import tone, write_wav
from support.polling import wait_for
from support.samples import SAMPLE_CALL


def _nothing_left(engine: Engine, settings: Settings) -> None:
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Call)).one() == 0
    leftovers = [p for p in settings.audio_dir.rglob("*") if p.is_file()]
    assert leftovers == []


def _upload(client: TestClient, headers: dict[str, str], name: str, content: bytes, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/calls", headers=headers, files={"file": (name, content)}, data=fields
    )


def test_a_text_file_renamed_wav_is_415(
    client: TestClient, admin_headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    response = _upload(client, admin_headers, "call.wav", b"Dear team,\nthese are my notes.\n")
    assert response.status_code == 415
    assert "'call.wav' is not an audio recording" in response.json()["detail"]
    assert "looks like text" in response.json()["detail"]
    _nothing_left(engine, settings)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
        (b"RIFF\x10\x00\x00\x00AVI LIST" + bytes(64), "an AVI video"),
        (b"<!DOCTYPE html><html><body>call</body></html>", "an HTML page"),
        (b"PK\x03\x04" + bytes(64), "a ZIP archive"),
    ],
)
def test_other_content_is_415_naming_what_it_looks_like(
    client: TestClient,
    admin_headers: dict[str, str],
    engine: Engine,
    settings: Settings,
    content: bytes,
    named: str,
) -> None:
    response = _upload(client, admin_headers, "call.mp3", content)
    assert response.status_code == 415
    assert f"looks like {named}" in response.json()["detail"]
    assert "MP4/MOV" in response.json()["detail"]
    _nothing_left(engine, settings)


def test_an_empty_file_is_400(
    client: TestClient, admin_headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    response = _upload(client, admin_headers, "call.wav", b"")
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]
    _nothing_left(engine, settings)


@pytest.fixture
def small_limit_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_mb": 0.5})


def test_an_oversized_file_is_413_while_streaming(
    small_limit_settings: Settings, engine: Engine
) -> None:
    from agent.auth.keys import Role
    from api.app import create_app
    from support.keys import make_token

    with TestClient(create_app(small_limit_settings)) as client:
        headers = {"Authorization": f"Bearer {make_token(small_limit_settings, Role.ADMIN, 'a')}"}
        response = _upload(client, headers, "call.flac", SAMPLE_CALL.read_bytes()[:900_000])
        assert response.status_code == 413
        assert "0.5 MB limit" in response.json()["detail"]
        declared = client.post(
            "/api/v1/calls",
            headers={**headers, "content-type": "multipart/form-data; boundary=x"},
            content=b"x" * (3 * 1024 * 1024),
        )
        assert declared.status_code == 413
    _nothing_left(engine, small_limit_settings)


def test_bad_metadata_is_422_and_keeps_nothing(
    client: TestClient, admin_headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    audio = SAMPLE_CALL.read_bytes()
    response = _upload(client, admin_headers, "call.flac", audio, started_at="last tuesday")
    assert response.status_code == 422
    assert "started_at" in response.json()["detail"]
    response = _upload(client, admin_headers, "call.flac", audio, channel_map="left,right")
    assert response.status_code == 422
    assert "channel map" in response.json()["detail"]
    _nothing_left(engine, settings)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("language", "xx", "language 'xx' is not one speech recognition knows"),
        ("language", "klingon", "language 'klingon' is not one speech recognition knows"),
        ("customer_email", "<script>", "customer_email: value is not a valid email address"),
        ("agent_email", "rep@", "agent_email: value is not a valid email address"),
    ],
)
def test_unknown_languages_and_malformed_emails_are_422_and_keep_nothing(
    client: TestClient,
    admin_headers: dict[str, str],
    engine: Engine,
    settings: Settings,
    field: str,
    value: str,
    problem: str,
) -> None:
    response = _upload(
        client, admin_headers, "call.flac", SAMPLE_CALL.read_bytes(), **{field: value}
    )
    assert response.status_code == 422, response.text
    assert problem in response.json()["detail"]
    if field == "language":  # the answer names every language it would have taken
        assert "one of: af, am, ar," in response.json()["detail"]
        assert ", ja, " in response.json()["detail"] and ", yue" in response.json()["detail"]
    _nothing_left(engine, settings)


def test_a_form_without_a_file_or_not_multipart_is_400(
    client: TestClient, admin_headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    no_file = client.post("/api/v1/calls", headers=admin_headers, files={"other": ("a", b"b")})
    assert no_file.status_code == 400
    assert "'file'" in no_file.json()["detail"]
    as_json = client.post("/api/v1/calls", headers=admin_headers, json={"file": "x"})
    assert as_json.status_code == 400
    assert "multipart/form-data" in as_json.json()["detail"]
    _nothing_left(engine, settings)


BOUNDARY = "b0undary"
FILE_PART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.flac"\r\n\r\n'
).encode()
CLOSING = f"\r\n--{BOUNDARY}--\r\n".encode()
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def malformed_forms(audio: bytes) -> dict[str, tuple[str, bytes, str]]:
    """What a broken client might send: content type, body, and words the answer must hold."""
    whole = FILE_PART + audio + CLOSING
    return {
        "no boundary": ("multipart/form-data", whole, "multipart/form-data"),
        "an empty boundary": ("multipart/form-data; boundary=", whole, "boundary"),
        "an overlong boundary": (f"multipart/form-data; boundary={'b' * 71}", whole, "boundary"),
        "a body cut short in the file": (MULTIPART, whole[: len(whole) // 2], "cut short"),
        "a body cut short in the headers": (MULTIPART, FILE_PART[:30], "cut short"),
        "an empty body": (MULTIPART, b"", "empty"),
        "garbage": (MULTIPART, bytes(range(256)) * 4, "not a well-formed"),
        "another boundary": (MULTIPART, whole.replace(BOUNDARY.encode(), b"other"), "well-formed"),
        "a header with no colon": (
            MULTIPART,
            f"--{BOUNDARY}\r\nContent-Disposition form-data\r\n\r\nx".encode() + CLOSING,
            "well-formed",
        ),
        "no file part": (
            MULTIPART,
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="x"\r\n\r\nhi'.encode()
            + CLOSING,
            "'file'",
        ),
    }


def test_a_malformed_multipart_body_is_400_and_keeps_nothing(
    client: TestClient, admin_headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    for case, (content_type, body, words) in malformed_forms(SAMPLE_CALL.read_bytes()).items():
        headers = {**admin_headers, "Content-Type": content_type}
        response = client.post("/api/v1/calls", headers=headers, content=body)
        assert response.status_code == 400, (case, response.text)
        assert words in response.json()["detail"], (case, response.text)
    _nothing_left(engine, settings)


def test_uploads_need_a_valid_key(client: TestClient, engine: Engine, settings: Settings) -> None:
    anonymous = _upload(client, {}, "call.flac", SAMPLE_CALL.read_bytes())
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    wrong = _upload(client, {"Authorization": "Bearer cs_nope_nope"}, "c.flac", b"fLaC")
    assert wrong.status_code == 401
    _nothing_left(engine, settings)


def test_a_rejected_upload_does_not_disturb_later_ones(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    assert _upload(client, admin_headers, "x.wav", b"text").status_code == 415
    beep = write_wav(tmp_path / "beep.wav", [tone(1.0)]).read_bytes()
    accepted = _upload(client, admin_headers, "beep.wav", beep)
    assert accepted.status_code == 201
    call_url = f"/api/v1/calls/{accepted.json()['id']}"
    final = wait_for(lambda: _rested(client.get(call_url, headers=admin_headers).json()))
    assert final["status"] == "done"


def _rested(call: dict) -> dict | None:  # type: ignore[type-arg]
    return call if call["status"] in RESTING_STATUSES else None
