"""Recordings kept in an S3-compatible object store (moto's server on loopback) through the API:
uploads, processing, and the player's range requests, mirrored on the local folder."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.auth.keys import Role
from agent.core.db import upgrade
from agent.core.settings import Settings
from agent.core.tables import Call
from api.app import create_app
from api.composition import build_store
from integrations.s3_storage import TEMP_PREFIX
from support.audio import tone, write_wav
from support.keys import make_token
from support.s3_server import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    S3Server,
    objects,
    open_multipart_uploads,
)
from support.samples import REPO
from support.uploads import until_rested, upload

MIB = 1024 * 1024


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: where the audio lives does not depend on the database, and this is quicker."""
    url = f"sqlite:///{tmp_path / 'callsight.db'}"
    upgrade(url)
    return url


@pytest.fixture
def s3_settings(settings: Settings, s3_server: S3Server, s3_bucket: str) -> Settings:
    return settings.model_copy(
        update={
            "storage_url": f"s3://{s3_bucket}/recordings",
            "storage_endpoint_url": s3_server.url,
            "storage_region": REGION,
            "storage_access_key_id": ACCESS_KEY_ID,
            "storage_secret_access_key": SecretStr(SECRET_ACCESS_KEY),
        }
    )


@pytest.fixture(params=["local", "s3"])
def store_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The same service with its audio in the local folder, then in the object store."""
    if request.param == "local":
        return settings
    chosen: Settings = request.getfixturevalue("s3_settings")
    return chosen


def api(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def admin(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(settings, Role.ADMIN, 'Ada Admin')}"}


def post_file(client: TestClient, headers: dict[str, str], name: str, content: bytes) -> Any:
    return client.post("/api/v1/calls", headers=headers, files={"file": (name, content)})


def audio_of(engine: Engine, call_id: str) -> Call:
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None
        return call


def nothing_kept(engine: Engine, bucket_client: Any, bucket: str) -> None:
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Call)).one() == 0
    assert objects(bucket_client, bucket) == {}
    assert open_multipart_uploads(bucket_client, bucket) == []


def test_an_upload_lands_in_the_bucket_under_the_prefix_with_its_hash(
    s3_settings: Settings, s3_server: S3Server, s3_bucket: str, engine: Engine, tmp_path: Path
) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    with api(s3_settings) as client:
        headers = admin(s3_settings)
        call = upload(client, headers, beep)
        until_rested(client, headers, call["id"])
    stored = audio_of(engine, call["id"])
    bucket = s3_server.client()
    assert list(objects(bucket, s3_bucket)) == [f"recordings/{stored.audio_key}"]
    body = bucket.get_object(Bucket=s3_bucket, Key=f"recordings/{stored.audio_key}")["Body"]
    expected = hashlib.sha256(beep.read_bytes()).hexdigest()
    assert hashlib.sha256(body.read()).hexdigest() == expected == stored.audio_sha256
    assert not s3_settings.audio_dir.exists()  # nothing went to the local folder


def test_a_recording_over_five_mib_streams_as_a_multipart_upload(
    s3_settings: Settings, s3_server: S3Server, s3_bucket: str, engine: Engine, tmp_path: Path
) -> None:
    long_tone = write_wav(tmp_path / "long.wav", [tone(200.0)])  # 6.1 MiB: two parts
    assert 5 * MIB < long_tone.stat().st_size < 10 * MIB
    # A short limit makes the transcription stop at once, after it has read its local copy.
    limited = s3_settings.model_copy(update={"max_duration_min": 1.0})
    with api(limited) as client:
        headers = admin(limited)
        call = upload(client, headers, long_tone)
        rested = until_rested(client, headers, call["id"])
    assert rested["status"] == "failed" and "longer" in rested["failure_reason"]
    key = f"recordings/{audio_of(engine, call['id']).audio_key}"
    bucket = s3_server.client()
    listed = objects(bucket, s3_bucket)
    assert list(listed) == [key]  # and no staging object left beside it
    assert listed[key]["ETag"].endswith('-2"')
    assert open_multipart_uploads(bucket, s3_bucket) == []
    body = bucket.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert body == long_tone.read_bytes()


def test_rejected_uploads_leave_nothing_in_the_bucket(
    s3_settings: Settings, s3_server: S3Server, s3_bucket: str, engine: Engine
) -> None:
    limited = s3_settings.model_copy(update={"max_upload_mb": 0.5})
    with api(s3_settings) as client, api(limited) as small_client:
        headers = admin(s3_settings)
        assert post_file(client, headers, "call.wav", b"Dear team,\nnotes\n").status_code == 415
        # Over one part: the multipart upload has begun when the content is found not to be audio.
        notes = b"meeting notes, not a recording\n" * (6 * MIB // 31)
        assert post_file(client, headers, "call.wav", notes).status_code == 415
        too_big = post_file(small_client, headers, "call.wav", b"RIFF" + bytes(MIB))
        assert too_big.status_code == 413
    nothing_kept(engine, s3_server.client(), s3_bucket)


def test_a_call_is_processed_from_a_local_copy_that_is_removed_afterwards(
    s3_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp_dir = tmp_path / "tmp"
    temp_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir))
    beep = write_wav(tmp_path / "beep.wav", [tone(1.0), tone(1.0, freq=330.0)])
    with api(s3_settings) as client:
        headers = admin(s3_settings)
        call = until_rested(client, headers, upload(client, headers, beep)["id"])
    assert call["status"] != "failed", call["failure_reason"]
    assert call["duration_s"] == pytest.approx(1.0, abs=0.05)  # the transcriber read it all
    assert [p.name for p in temp_dir.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


@pytest.fixture
def served(store_settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, str, bytes]]:
    """A client, the audio URL of an uploaded recording, and the recording's bytes."""
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    with api(store_settings) as client:
        headers = admin(store_settings)
        call = upload(client, headers, beep)
        until_rested(client, headers, call["id"])
        client.headers.update(headers)
        yield client, f"/api/v1/calls/{call['id']}/audio", beep.read_bytes()


def test_the_player_gets_the_whole_recording_or_the_range_it_asks_for(
    served: tuple[TestClient, str, bytes],
) -> None:
    client, url, content = served
    size = len(content)
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == content
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-length"] == str(size)
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["content-disposition"] == 'attachment; filename="beep.wav"'
    for asked, first, last in [
        ("bytes=0-99", 0, 99),
        ("bytes=-100", size - 100, size - 1),
        ("bytes=100-", 100, size - 1),
        (f"bytes=10-{size + 50}", 10, size - 1),
    ]:
        part = client.get(url, headers={"Range": asked})
        assert part.status_code == 206, asked
        assert part.content == content[first : last + 1], asked
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert part.headers["content-length"] == str(last - first + 1)


def test_a_range_past_the_end_is_416_and_a_garbled_one_400(
    served: tuple[TestClient, str, bytes],
) -> None:
    client, url, content = served
    past = client.get(url, headers={"Range": f"bytes={len(content)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(content)}"
    assert client.get(url, headers={"Range": "bytes=9-2"}).status_code == 400
    assert client.get(url, headers={"Range": "lines=1-2"}).status_code == 400


def test_a_range_is_served_only_of_the_recording_the_player_had(
    served: tuple[TestClient, str, bytes],
) -> None:
    client, url, content = served
    etag = client.get(url).headers["etag"]
    same = client.get(url, headers={"Range": "bytes=0-3", "If-Range": etag})
    assert same.status_code == 206 and same.content == b"RIFF"
    other = client.get(url, headers={"Range": "bytes=0-3", "If-Range": '"another"'})
    assert other.status_code == 200 and other.content == content


def test_a_recording_deleted_from_the_store_is_410(
    served: tuple[TestClient, str, bytes], store_settings: Settings, engine: Engine
) -> None:
    client, url, _ = served
    call = audio_of(engine, url.split("/")[-2])
    build_store(store_settings).delete(call.audio_key)
    gone = client.get(url, headers={"Range": "bytes=0-99"})
    assert gone.status_code == 410
    assert "no longer stored" in gone.json()["detail"]


def test_an_unknown_storage_url_refuses_to_start_and_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CALLSIGHT_STORAGE_URL 'ftp://x' is not supported"):
        Settings(data_dir=tmp_path, storage_url="ftp://x")
    env = {**os.environ, "CALLSIGHT_DATA_DIR": str(tmp_path), "CALLSIGHT_STORAGE_URL": "ftp://x"}
    started = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--port", "9"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "bad configuration" in started.stderr
    assert "s3://bucket/prefix" in started.stderr


def test_the_api_docs_describe_the_players_answers(client: TestClient) -> None:
    docs = client.get("/openapi.json")
    assert docs.status_code == 200
    answers = docs.json()["paths"]["/api/v1/calls/{call_id}/audio"]["get"]["responses"]
    assert {"200", "206", "410", "416"} <= set(answers)
    assert "audio/wav" in answers["200"]["content"]
