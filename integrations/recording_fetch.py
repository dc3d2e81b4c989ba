"""Fetching a recording a CRM points us to: allowed hosts only, bounded in size and time."""

from __future__ import annotations

import time
from collections.abc import Collection
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import requests

from agent.core.ports import AudioSink, RecordingRefused
from integrations.net_guard import UrlRefused, check_url

CHUNK_BYTES = 256 * 1024


class HttpRecordingFetcher:
    def __init__(
        self,
        allowed_hosts: Collection[str],
        private_hosts: Collection[str] = (),
        max_bytes: int = 500 * 1024 * 1024,
        timeout_s: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.allowed_hosts, self.private_hosts = list(allowed_hosts), list(private_hosts)
        self.max_bytes, self.timeout_s = max_bytes, timeout_s
        self.session = session or requests.Session()

    def fetch(self, url: str, sink: AudioSink) -> str:
        try:
            check_url(url, self.allowed_hosts, self.private_hosts)
        except UrlRefused as error:
            raise RecordingRefused(f"recording URL refused: {error}") from error
        try:
            self._stream(url, sink)
        except requests.RequestException as error:
            raise RecordingRefused(f"the recording could not be fetched: {error}") from error
        return PurePosixPath(urlsplit(url).path).name or "recording"

    def _stream(self, url: str, sink: AudioSink) -> None:
        deadline = time.monotonic() + self.timeout_s
        with self.session.get(
            url, stream=True, timeout=min(self.timeout_s, 30.0), allow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise RecordingRefused(
                    f"the recording server answered HTTP {response.status_code} for {url[:200]}"
                )
            declared = response.headers.get("Content-Length", "")
            # isdigit() alone takes "²", which int() refuses: only ASCII digits are a length.
            if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
                raise RecordingRefused(f"the recording is larger than {self.max_bytes} bytes")
            for chunk in response.iter_content(CHUNK_BYTES):
                if sink.size + len(chunk) > self.max_bytes:
                    raise RecordingRefused(f"the recording is larger than {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise RecordingRefused(f"the recording took longer than {self.timeout_s} s")
                sink.write(chunk)
