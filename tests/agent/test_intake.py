from __future__ import annotations

import pytest

from agent.calls.intake import (
    EmptyUpload,
    NotAudio,
    SizeLimitedSink,
    UploadTooLarge,
    check_audio,
    describe_content,
    sniff_format,
)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
        (b"fLaC\x00\x00\x00\x22", "flac"),
        (b"OggS\x00\x02", "ogg"),
        (b"ID3\x04\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x64", "mp3"),
        (b"\xff\xf1\x50\x80", "aac"),
        (b"\x00\x00\x00\x20ftypM4A ", "m4a"),
        (b"\x00\x00\x00\x14ftypqt  ", "mov"),
        (b"\x00\x00\x00\x20ftypisom", "mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42", "webm"),
        (b"FORM\x00\x00\x00\x00AIFF", "aiff"),
        (b"hello, this is a text file\n", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_sniff_format_reads_magic_numbers(head: bytes, expected: str | None) -> None:
    assert sniff_format(head) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"just some words\nand lines", "text"),
        (b"%PDF-1.4 ...", "a PDF document"),
        (b"PK\x03\x04rest", "a ZIP archive (or an Office document)"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "an AVI video"),
        (b"GIF89a", "a GIF image"),
        (b"  <!DOCTYPE html><html>", "an HTML page"),
        (b'{"calls": []}', "JSON text"),
        (b"\x00\x01\x02\x03\xfe", "data of an unknown kind"),
    ],
)
def test_describe_content_names_common_non_audio(head: bytes, expected: str) -> None:
    assert describe_content(head) == expected


class MemorySink:
    def __init__(self, head: bytes = b"") -> None:
        self.data = bytearray(head)

    def write(self, chunk: bytes) -> None:
        self.data += chunk

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return ""

    @property
    def head(self) -> bytes:
        return bytes(self.data[:65536])

    def commit(self, key: str) -> None:
        raise AssertionError("not used")


def test_size_limited_sink_stops_at_the_limit() -> None:
    sink = MemorySink()
    limited = SizeLimitedSink(sink, max_bytes=10)
    limited.write(b"12345")
    limited.write(b"67890")
    with pytest.raises(UploadTooLarge, match="MB limit"):
        limited.write(b"x")
    assert sink.size == 10


def test_check_audio_rejects_empty_and_text() -> None:
    with pytest.raises(EmptyUpload, match="empty"):
        check_audio(MemorySink(), "a.wav")
    with pytest.raises(NotAudio, match=r"'notes.wav' is not an audio recording .*looks like text"):
        check_audio(MemorySink(b"meeting notes, not audio"), "notes.wav")
    assert check_audio(MemorySink(b"RIFF\x00\x00\x00\x00WAVE"), "a.wav") == "wav"
