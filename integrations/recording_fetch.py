"""Fetching a recording a CRM points us to: allowed hosts only, bounded in size and time."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import anyio
import httpx

from agent.core.ports import AudioSink, RecordingRefused
from integrations.net_guard import UrlRefused, check_url

CHUNK_BYTES = 256 * 1024


class HttpRecordingFetcher:
    """``timeout_s`` bounds the whole fetch (connect, headers, every read), not each read."""

    def __init__(
        self,
        allowed_hosts: Collection[str],
        private_hosts: Collection[str] = (),
        max_bytes: int = 500 * 1024 * 1024,
        timeout_s: float = 60.0,
    ) -> None:
        self.allowed_hosts, self.private_hosts = list(allowed_hosts), list(private_hosts)
        self.max_bytes, self.timeout_s = max_bytes, timeout_s

    def fetch(self, url: str, sink: AudioSink) -> str:
        try:
            check_url(url, self.allowed_hosts, self.private_hosts)
        except UrlRefused as error:
            raise RecordingRefused(f"recording URL refused: {error}") from error
        # A per-read timeout lets a host that sends a byte now and then hold us for ever; a
        # cancel scope around the whole exchange is the deadline requests and httpx lack.
        try:
            anyio.run(self._stream_before_deadline, url, sink)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise RecordingRefused(
                f"the recording was not fetched within {self.timeout_s} s"
                " (CALLSIGHT_RECORDING_FETCH_TIMEOUT_S)"
            ) from error
        except httpx.HTTPError as error:
            raise RecordingRefused(f"the recording could not be fetched: {error}") from error
        return PurePosixPath(urlsplit(url).path).name or "recording"

    async def _stream_before_deadline(self, url: str, sink: AudioSink) -> None:
        with anyio.fail_after(self.timeout_s):
            async with (
                httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as client,
                client.stream("GET", url) as response,
            ):
                self._check_head(url, response)
                async for chunk in response.aiter_bytes(CHUNK_BYTES):
                    if sink.size + len(chunk) > self.max_bytes:
                        raise RecordingRefused(
                            f"the recording is larger than {self.max_bytes} bytes"
                        )
                    sink.write(chunk)

    def _check_head(self, url: str, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise RecordingRefused(
                f"the recording server answered HTTP {response.status_code} for {url[:200]}"
            )
        declared = response.headers.get("Content-Length")
        # h11 has refused the response already unless this is ASCII digits (RFC 9112, 6.3).
        if declared is not None and int(declared) > self.max_bytes:
            raise RecordingRefused(f"the recording is larger than {self.max_bytes} bytes")
