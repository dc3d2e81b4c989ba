"""``Content-Disposition`` for a file sent under a name a person chose (RFC 6266).

HTTP header values are ASCII in practice (Starlette encodes them as Latin-1 and fails on
anything else), so a name outside plain ASCII travels twice: percent-encoded UTF-8 in
``filename*`` (RFC 5987), which every current browser reads, and an ASCII look-alike in
``filename`` for the clients that do not.
"""

from __future__ import annotations

from urllib.parse import quote

# Characters RFC 5987 lets through unencoded besides letters and digits.
ATTR_CHARS = "!#$&+-.^_`|~"
# Printable ASCII that may stand in a quoted filename without confusing a client.
UNQUOTED_UNSAFE = frozenset('"\\%/')


def content_disposition(kind: str, filename: str) -> str:
    """``kind`` (attachment or inline) with ``filename``, encoded so the header is ASCII."""
    fallback = ascii_fallback(filename)
    if fallback == filename:
        return f'{kind}; filename="{filename}"'
    encoded = quote(filename, safe=ATTR_CHARS, encoding="utf-8")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def ascii_fallback(filename: str) -> str:
    """``filename`` with every character a plain quoted name cannot carry replaced by ``_``."""
    return "".join(_plain(char) for char in filename)


def _plain(char: str) -> str:
    return char if " " <= char <= "~" and char not in UNQUOTED_UNSAFE else "_"
