"""SOQL built from untrusted values: every value goes through ``quote``, never into the text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import quote_plus

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
# Salesforce refuses a request URI over 16,384 bytes; a query's encoded text stays under this,
# which leaves room for the path before it.
MAX_QUERY_BYTES = 15_000
# Longer than any field a lookup compares with (Email 80, Phone 40, Id 18): such a value can
# match nothing, and alone it could outgrow a query.
MAX_VALUE_CHARS = 255


def quote(value: str) -> str:
    """A SOQL string literal holding ``value`` exactly; quotes and backslashes are escaped."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"


def in_list(values: Sequence[str]) -> str:
    """``('a', 'b')`` for an IN clause; raises ValueError when empty."""
    if not values:
        raise ValueError("an IN list needs at least one value")
    return "(" + ", ".join(quote(value) for value in values) + ")"


def encoded_bytes(text: str) -> int:
    """The length of ``text`` in a URL's query string, encoded as requests encodes it."""
    return len(quote_plus(text))


def queries(template: str, values: Sequence[str], budget: int = MAX_QUERY_BYTES) -> Iterator[str]:
    """``template`` with each ``{0}`` made an IN list, in as few queries as the URL limit allows.

    Values are taken once each, in order; values longer than ``MAX_VALUE_CHARS`` are left out.
    """
    repeats = template.count("{0}")
    room = budget - encoded_bytes(template.format("()"))
    chunk: list[str] = []
    used = 0
    for value in dict.fromkeys(v for v in values if len(v) <= MAX_VALUE_CHARS):
        cost = repeats * (encoded_bytes(quote(value)) + encoded_bytes(", "))
        if chunk and used + cost > room:
            yield template.format(in_list(chunk))
            chunk, used = [], 0
        chunk.append(value)
        used += cost
    if chunk:
        yield template.format(in_list(chunk))
