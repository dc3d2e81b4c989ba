"""PII redaction before text leaves for a language model: pure functions, no I/O.

Speech recognition writes personal data in more forms than people type it: "jane dot doe at
example dot com", "four one five, five five five, oh one three four", "090の1234の5678", a
card number as one run of digits or grouped with commas, a phone number whose end arrives in
the next utterance. A transcript is therefore redacted as a whole: its utterances are read as
one text, spelled-out digits are read as digits (see ``spoken_forms``), and every finding is
replaced in the utterances it spans by a typed placeholder such as ``[EMAIL]``, so the model
still knows something was there. Card numbers are Luhn-checked; configured extra patterns run
last, per utterance.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from agent.processing.pii_numbers import find_numbers, luhn_valid
from agent.processing.spoken_forms import written

__all__ = ["RedactedLines", "Redaction", "luhn_valid", "redact", "redact_lines"]

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ATOM = r"[A-Za-z0-9%+]+"
_LOCAL_SEPARATOR = (
    r"(?:[._-]|\s+(?:dot|period|underscore|dash|hyphen)\s+"
    r"|\s*(?:ドット|アンダーバー|アンダースコア|ハイフン)\s*)"
)
_AT = r"(?:\s*@\s*|\s+at\s+|\s*(?:アットマーク|アット)\s*)"
_DOT = r"(?:\.|\s+(?:dot|period)\s+|\s*ドット\s*)"
_DOMAIN_LABEL = r"[A-Za-z0-9-]+"
# Spoken, "at" and "dot" are ordinary words too: only a known ending makes it an address.
_TLD = r"(?:com|net|org|edu|gov|info|biz|io|ai|app|dev|[a-z]{2})"
# The whole domain or nothing: "me at a0 dot aa" is no address when "dot a0 at ..." follows.
_SPOKEN_DOMAIN = (
    rf"{_DOMAIN_LABEL}(?:{_DOT}{_DOMAIN_LABEL})*{_DOT}{_TLD}"
    rf"(?![A-Za-z0-9])(?!{_DOT}{_DOMAIN_LABEL})"
)
_SPOKEN_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+-]){_ATOM}(?:{_LOCAL_SEPARATOR}{_ATOM})*{_AT}{_SPOKEN_DOMAIN}"
    # "email me at jane.co at example.com": the address is the one before the last "at".
    rf"(?!{_AT}{_SPOKEN_DOMAIN})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Redaction:
    """Redacted text and how many findings of each kind were replaced."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RedactedLines:
    """Redacted utterance texts, in order, and how many findings of each kind were replaced."""

    texts: list[str]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    label: str


def redact(text: str, extra: Iterable[re.Pattern[str]] = ()) -> Redaction:
    """``text`` (NFKC-folded, so full-width digits count) with PII replaced by placeholders."""
    lines = redact_lines([text], extra)
    return Redaction(lines.texts[0], lines.counts)


def redact_lines(texts: Sequence[str], extra: Iterable[re.Pattern[str]] = ()) -> RedactedLines:
    """Consecutive utterances with PII replaced, including PII that runs from one into the next.

    Each text is NFKC-folded. A finding that spans utterances leaves a placeholder in each of
    them and counts once.
    """
    lines = [unicodedata.normalize("NFKC", text) for text in texts]
    joined = "\n".join(lines)
    spans = _find(joined)
    counts = Counter(span.label for span in spans)
    redacted = _replace(lines, spans)
    patterns = tuple(extra)
    for index, line in enumerate(redacted):
        for pattern in patterns:
            line, found = pattern.subn("[REDACTED]", line)
            counts["REDACTED"] += found
        redacted[index] = line
    return RedactedLines(redacted, {label: n for label, n in counts.items() if n})


def _find(text: str) -> list[_Span]:
    """Findings as spans of ``text``, in order, none overlapping."""
    shadow = written(text)
    spans: list[_Span] = []
    for pattern in (_EMAIL, _SPOKEN_EMAIL):
        found = [shadow_span for shadow_span in pattern.finditer(shadow.text)]
        for match in found:
            spans.append(_Span(*shadow.origin(*match.span()), "EMAIL"))
            shadow = shadow.mask(*match.span())
    for number in find_numbers(shadow, text):
        spans.append(_Span(*shadow.origin(number.start, number.end), number.label))
    return sorted(spans, key=lambda span: span.start)


def _replace(lines: list[str], spans: list[_Span]) -> list[str]:
    """Each span replaced by its placeholder in every line it touches."""
    out, offset, queue = [], 0, list(spans)
    for line in lines:
        end = offset + len(line)
        pieces, kept = [], 0
        for span in queue:
            if span.start >= end or span.end <= offset:
                continue
            start, stop = max(span.start, offset) - offset, min(span.end, end) - offset
            pieces += [line[kept:start], f"[{span.label}]"]
            kept = stop
        out.append("".join(pieces) + line[kept:])
        queue = [span for span in queue if span.end > end]
        offset = end + 1  # the joining newline
    return out
