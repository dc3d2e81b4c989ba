"""Audio kept in a local folder; partial uploads never outlive a failed request."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from agent.core.ports import AudioMissing
from integrations.received_bytes import ReceivedBytes

READ_CHUNK_BYTES = 64 * 1024


class LocalAudioSink:
    """Writes to a temporary file beside the store, hashing as it goes."""

    def __init__(self, root: Path) -> None:
        handle, name = tempfile.mkstemp(prefix=".upload-", dir=root)
        self._file = os.fdopen(handle, "wb")
        self._temp_path = Path(name)
        self._root = root
        self._received = ReceivedBytes()
        self.committed_path: Path | None = None

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._received.take(chunk)

    @property
    def size(self) -> int:
        return self._received.size

    @property
    def sha256(self) -> str:
        return self._received.sha256

    @property
    def head(self) -> bytes:
        return self._received.head

    def commit(self, key: str) -> None:
        self._file.close()
        target = self._root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._temp_path, target)
        self.committed_path = target

    def discard(self) -> None:
        self._file.close()
        self._temp_path.unlink(missing_ok=True)


class LocalAudioStore:
    def __init__(self, root: Path) -> None:
        self._root = root
        root.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def open_sink(self) -> Iterator[LocalAudioSink]:
        sink = LocalAudioSink(self._root)
        try:
            yield sink
        finally:
            if sink.committed_path is None:
                sink.discard()

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """The stored file itself: it is local already, so nothing is copied."""
        path = self._file(key)
        if not path.is_file():
            raise AudioMissing("the recording is no longer in the audio store")
        yield path

    def size(self, key: str) -> int | None:
        try:
            return self._file(key).stat().st_size
        except FileNotFoundError:
            return None

    def open_range(self, key: str, first: int, last: int) -> Iterator[bytes]:
        try:
            source = self._file(key).open("rb")
        except FileNotFoundError as error:
            raise AudioMissing("the recording is no longer in the audio store") from error
        source.seek(first)
        return _chunks(source, last - first + 1)

    def delete(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        for path in self._root.rglob("*"):
            if path.is_file() and not path.name.startswith(".upload-"):
                yield path.relative_to(self._root).as_posix()

    def _file(self, key: str) -> Path:
        resolved = (self._root / key).resolve()
        if not resolved.is_relative_to(self._root.resolve()):
            raise ValueError(f"audio key escapes the store: {key!r}")
        return resolved


def _chunks(source: BinaryIO, length: int) -> Iterator[bytes]:
    with source:
        while length > 0:
            chunk = source.read(min(READ_CHUNK_BYTES, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
