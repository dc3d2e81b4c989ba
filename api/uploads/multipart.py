"""A multipart/form-data reader that streams the file part to storage as it arrives."""

from __future__ import annotations

import re
from collections.abc import Callable

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from agent.core.errors import BadRequest

FILE_FIELD = "file"
MAX_FIELD_BYTES = 16 * 1024
MAX_FIELDS = 50
# RFC 2046: a boundary is 1 to 70 characters of a small ASCII set; anything else is a client bug.
BOUNDARY = re.compile(rb"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
HOW_TO_SEND = "send the recording as multipart/form-data with the audio in a field named 'file'"


class BadUpload(BadRequest):
    """The request body is not the multipart form we accept."""


def boundary_of(content_type: str | None) -> bytes:
    """The multipart boundary, or BadUpload naming what the request should have been."""
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise BadUpload(HOW_TO_SEND)
    boundary = options[b"boundary"]
    if not BOUNDARY.fullmatch(boundary):
        raise BadUpload(
            "the multipart boundary must be 1 to 70 letters, digits or punctuation (RFC 2046)"
        )
    return boundary


class StreamingForm:
    """Feeds the body in; the 'file' part goes to ``write_file``, the other fields stay here."""

    def __init__(self, boundary: bytes, write_file: Callable[[bytes], None]) -> None:
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self._write_file = write_file
        self._headers: dict[str, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._part_name: str | None = None
        self._part_is_file = False
        self._field_value = bytearray()
        self._received = 0
        self._ended = False
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        self._received += len(chunk)
        try:
            self._parser.write(chunk)
        except FormParserError as error:
            raise BadUpload(
                f"the body is not a well-formed multipart/form-data form ({error}); {HOW_TO_SEND}"
            ) from error

    def finish(self) -> None:
        """Check the whole form arrived: its closing boundary, and a file part in it."""
        self._parser.finalize()
        if self._received == 0:
            raise BadUpload(f"the request body is empty; {HOW_TO_SEND}")
        if not self._ended:
            raise BadUpload(
                "the form was cut short: its closing boundary never arrived; send it again"
            )
        if self.filename is None:
            raise BadUpload("the form has no 'file' field with the recording")

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._part_name = None
        self._part_is_file = False
        self._field_value = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_name.decode("latin-1").lower()
        # Kept as bytes: browsers send UTF-8 filenames raw, which no text codec round-trips.
        self._headers[name] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._part_name = name
        self._part_is_file = name == FILE_FIELD
        if self._part_is_file:
            if self.filename is not None:
                raise BadUpload("send one recording per request")
            self.filename = (filename or b"recording").decode("utf-8", "replace")
        elif len(self.fields) >= MAX_FIELDS:
            raise BadUpload(f"the form has more than {MAX_FIELDS} fields")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_is_file:
            self._write_file(data[start:end])
            return
        self._field_value += data[start:end]
        if len(self._field_value) > MAX_FIELD_BYTES:
            raise BadUpload(
                f"form field {self._part_name!r} is longer than {MAX_FIELD_BYTES} bytes"
            )

    def _on_end(self) -> None:
        self._ended = True

    def _on_part_end(self) -> None:
        if not self._part_is_file and self._part_name:
            self.fields[self._part_name] = self._field_value.decode("utf-8", "replace")
