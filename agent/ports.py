"""Small typed ports the pipeline talks to; adapters in ``integrations/`` implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from agent.domain import (
    CallContext,
    CrmWrite,
    CrmWriteResult,
    SummaryDraft,
    TranscribeOptions,
    Transcript,
    Utterance,
)

ProgressCallback = Callable[[float], None]
"""Called with the share of the work done so far, from 0.0 to 1.0."""


class StageError(Exception):
    """A failure a person can act on; its message is shown on the call as the reason."""


class AudioDecodeError(StageError):
    """The recording could not be decoded as audio."""


class RecordingTooLong(StageError):
    """The recording is longer than the configured maximum duration."""


class TranscriberUnavailable(StageError):
    """The speech recognition model could not be loaded."""


class Transcriber(Protocol):
    def transcribe(
        self,
        audio_path: Path,
        options: TranscribeOptions,
        on_progress: ProgressCallback | None = None,
    ) -> Transcript: ...


class Summariser(Protocol):
    def summarise(self, utterances: Sequence[Utterance], context: CallContext) -> SummaryDraft: ...


class Crm(Protocol):
    name: str

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        """Create or update each record by its external id; one result per write, in order."""
        ...


class AudioSink(Protocol):
    """An open write to the store; the content is kept only once ``commit`` returns."""

    def write(self, chunk: bytes) -> None: ...

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def head(self) -> bytes:
        """The first bytes written, for sniffing the format."""
        ...

    def commit(self, key: str) -> None: ...


class AudioStore(Protocol):
    def open_sink(self) -> AbstractContextManager[AudioSink]:
        """A sink whose partial content is removed unless it was committed before the block ends."""
        ...

    def path(self, key: str) -> Path: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...
