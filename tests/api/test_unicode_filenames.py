"""A recording named in any script is kept, shown and downloaded under its own name."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from agent.auth.keys import Role
from agent.core.settings import Settings
from api.content_disposition import content_disposition
from support.audio import tone, write_wav
from support.keys import make_token

NAME = "通話 顧客 ④.wav"
HTML = {"Accept": "text/html"}


@pytest.fixture
def beep(tmp_path: Path) -> bytes:
    return write_wav(tmp_path / "beep.wav", [tone(0.2)]).read_bytes()


def _signed_in(client: TestClient, settings: Settings) -> str:
    page = client.post("/login", data={"api_key": make_token(settings, Role.LEAD, "Lee")})
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf
    return csrf.group(1)


def _downloads_as_the_original(client: TestClient, path: str, headers: dict[str, str]) -> None:
    audio = client.get(path, headers=headers)
    assert audio.status_code == 200, audio.text
    disposition = audio.headers["content-disposition"]
    disposition.encode("ascii")  # a header value must be plain ASCII
    fallback = re.search(r'filename="([^"]*)"', disposition)
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert fallback and fallback.group(1).endswith(".wav")
    assert encoded and unquote(encoded.group(1)) == NAME


def test_the_api_keeps_a_non_latin_filename_and_serves_it_encoded(
    client: TestClient, admin_headers: dict[str, str], beep: bytes
) -> None:
    sent = client.post("/api/v1/calls", headers=admin_headers, files={"file": (NAME, beep)})
    assert sent.status_code == 201, sent.text
    call_id = sent.json()["id"]
    assert client.get(f"/api/v1/calls/{call_id}", headers=admin_headers).json()["filename"] == NAME
    _downloads_as_the_original(client, f"/api/v1/calls/{call_id}/audio", admin_headers)


def test_the_page_takes_a_dropped_file_with_a_non_latin_name(
    client: TestClient, settings: Settings, beep: bytes
) -> None:
    csrf = _signed_in(client, settings)
    dropped = client.post(
        "/calls/upload", files={"file": (NAME, beep)}, headers={"X-CSRF-Token": csrf}
    )
    assert dropped.status_code == 201, dropped.text
    call_id = dropped.json()["id"]
    page = client.get(f"/calls/{call_id}", headers=HTML)
    assert page.status_code == 200
    assert f'<p class="muted filename">{NAME}</p>' in page.text
    _downloads_as_the_original(client, f"/calls/{call_id}/audio", {})


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("call.wav", None),
        ("通話.wav", "__.wav"),
        ('say "hi"\r\n.wav', "say _hi___.wav"),
        ("..\\50%/x.wav", ".._50__x.wav"),
        ("", None),
    ],
)
def test_the_header_is_ascii_whatever_the_name(name: str, fallback: str | None) -> None:
    header = content_disposition("attachment", name)
    header.encode("ascii")
    if fallback is None:
        assert header == f'attachment; filename="{name}"'
    else:
        assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
        assert unquote(header.rsplit("''", 1)[1]) == name
