"""The S3 store against moto's S3-compatible server on loopback."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from agent.core.ports import AudioMissing
from integrations.s3_storage import (
    MIN_PART_BYTES,
    TEMP_PREFIX,
    S3AudioStore,
    S3Location,
    s3_client,
)
from support.s3_server import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    S3Server,
    objects,
    open_multipart_uploads,
)

CHUNK = 64 * 1024


@pytest.fixture
def bucket_client(s3_server: S3Server) -> Any:
    return s3_server.client()


@pytest.fixture
def temp_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def store_client(s3_server: S3Server) -> Any:
    """The store's own client, made as the composition root makes it (once: it takes a while)."""
    return s3_client(s3_server.url, REGION, ACCESS_KEY_ID, SECRET_ACCESS_KEY)


def make_store(client: Any, bucket: str, temp_dir: Path, **options: Any) -> S3AudioStore:
    return S3AudioStore(client, S3Location(bucket, "recordings/"), temp_dir=temp_dir, **options)


@pytest.fixture
def store(store_client: Any, s3_bucket: str, temp_dir: Path) -> S3AudioStore:
    return make_store(store_client, s3_bucket, temp_dir)


def stored(store: S3AudioStore, key: str, content: bytes) -> None:
    with store.open_sink() as sink:
        for start in range(0, len(content), CHUNK):
            sink.write(content[start : start + CHUNK])
        sink.commit(key)


def test_a_small_upload_is_one_object_under_the_prefix(
    store: S3AudioStore, s3_bucket: str, bucket_client: Any
) -> None:
    with store.open_sink() as sink:
        sink.write(b"RIFF")
        sink.write(b"rest")
        sink.commit("ab/call.wav")
    assert (sink.size, sink.head) == (8, b"RIFFrest")
    assert sink.sha256 == hashlib.sha256(b"RIFFrest").hexdigest()
    assert list(objects(bucket_client, s3_bucket)) == ["recordings/ab/call.wav"]
    body = bucket_client.get_object(Bucket=s3_bucket, Key="recordings/ab/call.wav")["Body"]
    assert body.read() == b"RIFFrest"
    assert list(store.keys()) == ["ab/call.wav"]


def test_a_large_upload_streams_in_parts_and_lands_whole(
    store: S3AudioStore, s3_bucket: str, bucket_client: Any
) -> None:
    content = bytes(range(256)) * (11 * 1024 * 1024 // 256)  # two full parts and a last one
    stored(store, "ab/long.wav", content)
    listed = objects(bucket_client, s3_bucket)
    assert list(listed) == ["recordings/ab/long.wav"]  # the staging object is gone
    assert listed["recordings/ab/long.wav"]["ETag"].endswith('-3"')
    assert open_multipart_uploads(bucket_client, s3_bucket) == []
    body = bucket_client.get_object(Bucket=s3_bucket, Key="recordings/ab/long.wav")["Body"]
    assert hashlib.sha256(body.read()).hexdigest() == hashlib.sha256(content).hexdigest()


def test_a_failed_upload_aborts_its_multipart_upload(
    store: S3AudioStore, s3_bucket: str, bucket_client: Any
) -> None:
    with pytest.raises(ConnectionResetError), store.open_sink() as sink:
        sink.write(bytes(MIN_PART_BYTES + CHUNK))
        assert len(open_multipart_uploads(bucket_client, s3_bucket)) == 1  # a part was sent
        raise ConnectionResetError("the client went away")
    assert open_multipart_uploads(bucket_client, s3_bucket) == []
    assert objects(bucket_client, s3_bucket) == {}


def test_a_small_upload_never_committed_sends_nothing(
    store: S3AudioStore, s3_bucket: str, bucket_client: Any
) -> None:
    with store.open_sink() as sink:
        sink.write(b"RIFF partial")
    assert objects(bucket_client, s3_bucket) == {}
    assert open_multipart_uploads(bucket_client, s3_bucket) == []


def test_keys_are_listed_page_by_page_under_the_prefix_only(
    store_client: Any, s3_bucket: str, bucket_client: Any, temp_dir: Path
) -> None:
    store = make_store(store_client, s3_bucket, temp_dir, list_page_size=2)
    names = [f"{n:02d}/call-{n}.wav" for n in range(5)]
    for name in names:
        stored(store, name, b"RIFF" + name.encode())
    bucket_client.put_object(Bucket=s3_bucket, Key="elsewhere/other.wav", Body=b"RIFF")
    assert sorted(store.keys()) == names


def test_a_local_copy_is_a_temporary_file_removed_after_the_block(
    store: S3AudioStore, temp_dir: Path
) -> None:
    stored(store, "ab/call.flac", b"fLaC" + bytes(1000))
    with store.local_copy("ab/call.flac") as copy:
        assert copy.parent == temp_dir and copy.name.startswith(TEMP_PREFIX)
        assert copy.suffix == ".flac"
        assert copy.read_bytes() == b"fLaC" + bytes(1000)
    assert list(temp_dir.iterdir()) == []


def test_a_local_copy_is_removed_when_the_block_fails(store: S3AudioStore, temp_dir: Path) -> None:
    stored(store, "ab/call.wav", b"RIFFrest")
    with pytest.raises(RuntimeError), store.local_copy("ab/call.wav"):
        raise RuntimeError("the transcriber failed")
    assert list(temp_dir.iterdir()) == []


def test_ranges_sizes_and_deletes(store: S3AudioStore) -> None:
    content = bytes(range(256)) * 1024
    stored(store, "ab/call.wav", content)
    assert store.size("ab/call.wav") == len(content)
    assert b"".join(store.open_range("ab/call.wav", 0, 99)) == content[:100]
    assert b"".join(store.open_range("ab/call.wav", 1000, len(content) - 1)) == content[1000:]
    store.delete("ab/call.wav")
    assert store.size("ab/call.wav") is None
    assert list(store.keys()) == []


def test_a_missing_recording_raises_audio_missing_and_leaves_no_temp_file(
    store: S3AudioStore, temp_dir: Path
) -> None:
    with pytest.raises(AudioMissing), store.local_copy("ab/gone.wav"):
        pass
    with pytest.raises(AudioMissing):
        store.open_range("ab/gone.wav", 0, 9)
    assert list(temp_dir.iterdir()) == []


def test_parts_below_the_s3_minimum_are_refused(store_client: Any, temp_dir: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        make_store(store_client, "any", temp_dir, part_bytes=MIN_PART_BYTES - 1)


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://calls", "calls", ""),
        ("s3://calls/", "calls", ""),
        ("s3://calls/team/a", "calls", "team/a/"),
        ("s3://calls/team/a/", "calls", "team/a/"),
    ],
)
def test_a_storage_url_names_a_bucket_and_a_prefix(url: str, bucket: str, prefix: str) -> None:
    assert S3Location.parse(url) == S3Location(bucket, prefix)


def test_a_storage_url_of_another_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="s3://bucket"):
        S3Location.parse("ftp://calls/a")
