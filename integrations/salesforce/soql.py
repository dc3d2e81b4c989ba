"""SOQL built from untrusted values: every value goes through ``quote``, never into the text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

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
# Keeps a GET query URL well under Salesforce's 16,384-byte limit.
MAX_IN_VALUES = 100


def quote(value: str) -> str:
    """A SOQL string literal holding ``value`` exactly; quotes and backslashes are escaped."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"


def in_list(values: Sequence[str]) -> str:
    """``('a', 'b')`` for an IN clause; raises ValueError when empty."""
    if not values:
        raise ValueError("an IN list needs at least one value")
    return "(" + ", ".join(quote(value) for value in values) + ")"


def chunks(values: Sequence[str], size: int = MAX_IN_VALUES) -> Iterator[list[str]]:
    """Distinct values in order, in lists of at most ``size``."""
    distinct = list(dict.fromkeys(values))
    for start in range(0, len(distinct), size):
        yield distinct[start : start + size]
