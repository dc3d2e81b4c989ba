"""The byte range an HTTP ``Range`` header asks for (RFC 9110, section 14).

Parsing follows Starlette's ``FileResponse``, which served recordings before they could live in
an object store, so players see the same answers. One difference: a request for several ranges
gets the whole content (a server may ignore Range) rather than a multipart/byteranges body;
media players ask for one range at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_RANGES = 100


class MalformedRange(ValueError):
    """The header cannot be read as byte ranges (answered with 400)."""


class RangeNotSatisfiable(ValueError):
    """A range starts at or beyond the end of the content (answered with 416)."""


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # included, as in the header

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


def requested_range(header: str, size: int) -> ByteRange | None:
    """The one range ``header`` asks for in content of ``size`` bytes; None for all of it.

    Raises MalformedRange or RangeNotSatisfiable.
    """
    unit, equals, specs = header.partition("=")
    if not equals:
        raise MalformedRange("a Range header reads bytes=FIRST-LAST")
    if unit.strip().lower() != "bytes":
        raise MalformedRange("only byte ranges are served (bytes=FIRST-LAST)")
    if specs.count(",") + 1 > MAX_RANGES:
        return None
    spans = [span for span in (_span(spec, size) for spec in specs.split(",")) if span]
    if not spans:
        raise MalformedRange("the Range header names no range")
    if any(not 0 <= start < size for start, _ in spans):
        raise RangeNotSatisfiable(size)
    if any(start >= stop for start, stop in spans):
        raise MalformedRange("a range ends before it starts")
    if len(spans) > 1:
        return None
    start, stop = spans[0]
    return ByteRange(start, stop - 1)


def _span(spec: str, size: int) -> tuple[int, int] | None:
    """(start, stop) of one range spec, stop excluded; None for a spec to ignore."""
    first, dash, last = (part.strip() for part in spec.strip().partition("-"))
    if not dash or not (first or last):
        return None
    try:
        if not first:
            return max(size - int(last), 0), size  # a suffix: the last N bytes
        start = int(first)
        stop = int(last) + 1 if last and int(last) < size else size
    except ValueError:
        return None
    return start, stop
