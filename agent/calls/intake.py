"""Intake: check an uploaded recording is audio of an acceptable size before a call exists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent.core.errors import CallsightError
from agent.core.ports import AudioSink

SUPPORTED_FORMATS = "WAV, MP3, M4A/AAC, OGG/Opus, FLAC, WebM, MP4/MOV (the audio track)"


class UploadRejected(CallsightError):
    """The upload cannot become a call; the message tells the uploader what to do."""


class EmptyUpload(UploadRejected):
    status_code = 400


class UploadTooLarge(UploadRejected):
    status_code = 413


class NotAudio(UploadRejected):
    status_code = 415


@dataclass(frozen=True)
class Signature:
    fmt: str
    offset: int
    magic: bytes


# Magic numbers of the containers faster-whisper's decoder (FFmpeg) reads for speech.
SIGNATURES = (
    Signature("wav", 8, b"WAVE"),
    Signature("flac", 0, b"fLaC"),
    Signature("ogg", 0, b"OggS"),
    Signature("mp3", 0, b"ID3"),
    Signature("mp4", 4, b"ftyp"),
    Signature("webm", 0, b"\x1a\x45\xdf\xa3"),
    Signature("aiff", 8, b"AIFF"),
    Signature("amr", 0, b"#!AMR"),
    Signature("caf", 0, b"caff"),
)


# ISO media brands (bytes 8-12 of an MP4-family file) that name something more specific.
MP4_BRANDS = {b"qt  ": "mov", b"M4A ": "m4a", b"M4B ": "m4a"}


def sniff_format(head: bytes) -> str | None:
    """The container format the first bytes announce, or None when they are not audio."""
    for signature in SIGNATURES:
        if head[signature.offset : signature.offset + len(signature.magic)] == signature.magic:
            return _refined(signature.fmt, head)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "aac" if head[1] & 0x06 == 0 else "mp3"
    return None


def _refined(fmt: str, head: bytes) -> str:
    if fmt == "mp4":
        return MP4_BRANDS.get(head[8:12], "mp4")
    if fmt == "webm" and b"matroska" in head[:64]:
        return "mkv"
    return fmt


NAMED_CONTENT = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"MZ": "a Windows program",
    b"\x7fELF": "a Linux program",
    b"MThd": "a MIDI score (notes, not a recording)",
    b"{\\rtf": "an RTF document",
}
RIFF_KINDS = {b"AVI ": "an AVI video", b"WEBP": "a WebP image"}


def describe_content(head: bytes) -> str:
    """A short guess at what a non-audio upload is, for the error message."""
    for magic, name in NAMED_CONTENT.items():
        if head.startswith(magic):
            return name
    if head.startswith(b"RIFF"):
        return RIFF_KINDS.get(head[8:12], "a RIFF file that is not WAV audio")
    if _looks_like_text(head):
        return _text_kind(head)
    return "data of an unknown kind"


def _text_kind(head: bytes) -> str:
    start = head.lstrip()[:64].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if start.startswith(b"<?xml"):
        return "an XML document"
    if start.startswith((b"{", b"[")):
        return "JSON text"
    return "text"


def _looks_like_text(head: bytes) -> bool:
    try:
        decoded = head[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in decoded)


class SizeLimitedSink:
    """Passes chunks to a sink and stops the upload as soon as it passes ``max_bytes``."""

    def __init__(self, sink: AudioSink, max_bytes: int) -> None:
        self.sink = sink
        self._max_bytes = max_bytes

    def write(self, chunk: bytes) -> None:
        if self.sink.size + len(chunk) > self._max_bytes:
            limit_mb = self._max_bytes / (1024 * 1024)
            raise UploadTooLarge(
                f"the recording is larger than the {limit_mb:g} MB limit "
                "(CALLSIGHT_MAX_UPLOAD_MB); split it or compress it, e.g. to MP3 or Opus"
            )
        self.sink.write(chunk)

    def write_all(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)


def check_audio(sink: AudioSink, filename: str) -> str:
    """The upload's format; raises ``UploadRejected`` for empty or non-audio content."""
    if sink.size == 0:
        raise EmptyUpload(f"{filename!r} is empty: no bytes were uploaded")
    fmt = sniff_format(sink.head)
    if fmt is None:
        raise NotAudio(
            f"{filename!r} is not an audio recording (its content looks like "
            f"{describe_content(sink.head)}); upload one of: {SUPPORTED_FORMATS}"
        )
    return fmt
