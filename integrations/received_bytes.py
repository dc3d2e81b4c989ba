"""What every audio sink keeps of the bytes it is given: their count, hash and first bytes."""

from __future__ import annotations

import hashlib

SNIFF_BYTES = 64 * 1024
"""How much of the start of a recording is kept for telling its format."""


class ReceivedBytes:
    """The size, SHA-256 and head of a recording, updated chunk by chunk as it streams in."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._size = 0

    def take(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._size += len(chunk)
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]

    @property
    def size(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def head(self) -> bytes:
        """The first bytes written, for sniffing the format."""
        return bytes(self._head)
