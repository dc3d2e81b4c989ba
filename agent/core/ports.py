"""Small typed ports the pipeline talks to; adapters in ``integrations/`` implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from agent.core.domain import (
    CallContext,
    CrmEvent,
    CrmLinks,
    CrmWrite,
    CrmWriteResult,
    MatchHint,
    SummaryDraft,
    TranscribeOptions,
    Transcript,
    Utterance,
)
from agent.core.errors import InvalidInput

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


class AnswerCache(Protocol):
    """Earlier model answers, so an unchanged transcript is not sent again."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, model: str, prompt_version: str, payload: dict[str, Any]) -> None: ...


class CrmUnavailable(StageError):
    """The CRM could not answer now (outage, API limit); the work is tried again later."""


class Crm(Protocol):
    name: str

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        """Create or update each record by its external id; one result per write, in order."""
        ...

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        """The records each call belongs to, or None where the CRM knows no such customer.

        Raises CrmUnavailable for a transient failure and StageError for a permanent one.
        """
        ...


class DeliveryError(Exception):
    """A webhook could not be delivered (no answer); it is tried again."""


class DeliveryRefused(DeliveryError):
    """The webhook's address may not be posted to (a private one); trying again cannot help."""


class WebhookTransport(Protocol):
    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be posted to (it resolves to a non-public address), or None.

        A host that does not resolve now is not refused: its addresses are checked at each post.
        """
        ...

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body``; returns the HTTP status. Raises DeliveryRefused for an address that
        may not be posted to, DeliveryError when nothing answered."""
        ...


class RecordingRefused(InvalidInput):
    """A recording URL that may not or could not be fetched; the message says why."""


class RecordingFetcher(Protocol):
    def fetch(self, url: str, sink: AudioSink) -> str:
        """Stream the recording at ``url`` into ``sink``; returns a file name for it."""
        ...


class CallQueue(Protocol):
    """Where a call goes to be worked on (the runner); it re-reads the row when it runs."""

    def submit(self, call_id: str) -> None: ...


class StageObserver(Protocol):
    """Told how long each pipeline stage took and how it ended (for metrics)."""

    def stage_finished(self, stage: str, seconds: float, outcome: str) -> None:
        """``stage`` as named in the pipeline's STAGE_NAMES; ``outcome`` is one of "done",
        "failed" (a reason a person can act on), "skipped" (the call moved on) or "error"."""
        ...


class CallEvents(Protocol):
    """Tells subscribers what happened to a call (the pipeline's ``publish``)."""

    def publish(self, event_type: str, call_id: str, **data: object) -> None: ...


class EventPublisher(Protocol):
    """Hands events to whoever subscribed to them (outbound webhooks)."""

    def publish(self, events: Sequence[CrmEvent]) -> None: ...


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


class AudioMissing(StageError):
    """Nothing is stored under the key any more (deleted, or lost by the store)."""


class AudioStore(Protocol):
    """Where recordings are kept: a local folder, or an object store shared by every host."""

    def open_sink(self) -> AbstractContextManager[AudioSink]:
        """A sink whose partial content is removed unless it was committed before the block ends."""
        ...

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the recording, readable until the block ends.

        A store that keeps a copy elsewhere removes it when the block ends, even on error.
        Raises AudioMissing when nothing is stored under ``key``.
        """
        ...

    def size(self, key: str) -> int | None:
        """How many bytes are stored under ``key``, or None when nothing is."""
        ...

    def open_range(self, key: str, first: int, last: int) -> Iterator[bytes]:
        """Bytes ``first`` to ``last`` (both included, as in an HTTP Range), in chunks.

        The content is opened before this returns, so AudioMissing is raised here, never while
        iterating; ``last`` must be below the size.
        """
        ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...
