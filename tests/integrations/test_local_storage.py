from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from integrations.local_storage import LocalAudioStore


def test_a_committed_sink_keeps_the_file_with_its_hash(tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    with store.open_sink() as sink:
        sink.write(b"RIFF")
        sink.write(b"rest")
        sink.commit("ab/call.wav")
    assert store.path("ab/call.wav").read_bytes() == b"RIFFrest"
    assert sink.size == 8
    assert sink.sha256 == hashlib.sha256(b"RIFFrest").hexdigest()
    assert list(store.keys()) == ["ab/call.wav"]


def test_an_uncommitted_sink_leaves_nothing(tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    with pytest.raises(RuntimeError), store.open_sink() as sink:
        sink.write(b"partial upload")
        raise RuntimeError("client went away")
    assert list((tmp_path / "audio").rglob("*")) == []


def test_keys_cannot_escape_the_store(tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    with pytest.raises(ValueError, match="escapes"):
        store.path("../outside.wav")
