from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agent.core.ports import AudioMissing
from integrations.local_storage import LocalAudioStore


def test_a_committed_sink_keeps_the_file_with_its_hash(tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    with store.open_sink() as sink:
        sink.write(b"RIFF")
        sink.write(b"rest")
        sink.commit("ab/call.wav")
    with store.local_copy("ab/call.wav") as copy:
        assert copy.read_bytes() == b"RIFFrest"
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
    (tmp_path / "outside.wav").write_bytes(b"RIFF")
    with pytest.raises(ValueError, match="escapes"):
        store.size("../outside.wav")
    with pytest.raises(ValueError, match="escapes"), store.local_copy("../outside.wav"):
        pass


def test_the_local_copy_is_the_stored_file_itself(tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    with store.open_sink() as sink:
        sink.write(b"RIFFrest")
        sink.commit("ab/call.wav")
    with store.local_copy("ab/call.wav") as copy:
        assert copy == (tmp_path / "audio" / "ab" / "call.wav").resolve()
    assert copy.exists()


def test_ranges_and_sizes_come_from_the_file(tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    content = bytes(range(256)) * 1024
    with store.open_sink() as sink:
        sink.write(content)
        sink.commit("ab/call.wav")
    assert store.size("ab/call.wav") == len(content)
    assert b"".join(store.open_range("ab/call.wav", 0, 99)) == content[:100]
    assert b"".join(store.open_range("ab/call.wav", 1000, len(content) - 1)) == content[1000:]


def test_a_missing_recording_has_no_size_and_no_copy(tmp_path: Path) -> None:
    store = LocalAudioStore(tmp_path / "audio")
    assert store.size("ab/gone.wav") is None
    with pytest.raises(AudioMissing), store.local_copy("ab/gone.wav"):
        pass
    with pytest.raises(AudioMissing):
        store.open_range("ab/gone.wav", 0, 9)
