"""A plain HTTP server on loopback that records what it is sent and answers as told."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class HttpPeer:
    """Serves ``files`` on GET; records POSTs and answers them with queued statuses (else 200)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.received: list[Received] = []
        self.statuses: deque[int] = deque()
        # Called before each GET is answered: a test looks at its own side while a fetch is out.
        self.on_get: Callable[[str], None] | None = None
        # A Content-Length to announce instead of the true one; the connection then closes.
        self.declared_length: str | None = None
        # Seconds between the bytes of each GET answer (head and body), as a stalling host sends.
        self.trickle_s: float | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HttpPeer:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(peer: HttpPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if peer.on_get is not None:
                peer.on_get(self.path)
            if peer.trickle_s is not None:
                self._trickle(peer.trickle_s, peer.files.get(self.path, b""))
                return
            data = peer.files.get(self.path)
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", peer.declared_length or str(len(data or b"")))
            if peer.declared_length is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data or b"")

        def _trickle(self, interval_s: float, data: bytes) -> None:
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            self.close_connection = True
            try:
                for byte in head + data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(interval_s)
            except OSError:
                pass  # the client gave up, as it should

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            peer.received.append(Received("POST", self.path, headers, body))
            status = peer.statuses.popleft() if peer.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler
