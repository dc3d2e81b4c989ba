"""An OpenAI-compatible chat server on loopback with scripted answers; it records every request.

It speaks just enough of ``POST /v1/chat/completions`` for the real openai client: JSON content
for ``response_format`` requests, tool calls for ``tools`` requests, refusals, error statuses
with ``retry-after-ms``, and slow answers. ``usage.prompt_tokens`` is counted with the model's
real tokenizer (o200k_base for gpt-4o-class and unknown models, bundled with ``bpe-openai``, so no
download), over the messages as OpenAI's chat format frames them; the response schema, which
OpenAI also counts, is left out (as in the figures it is compared with).
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer. ``content`` is sent as is (a dict is JSON-encoded)."""

    content: Any = None
    status: int = 200
    delay_s: float = 0.0
    refusal: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int = 50


Responder = Callable[[dict[str, Any]], Reply]


@dataclass
class FakeOpenAI:
    url: str
    script: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    default: Responder | None = None

    def then(self, *replies: Reply) -> FakeOpenAI:
        self.script.extend(replies)
        return self

    def next_reply(self, body: dict[str, Any]) -> Reply:
        if self.script:
            return self.script.popleft()
        if self.default is not None:
            return self.default(body)
        return Reply({"error": {"message": "no scripted reply left"}}, status=500)

    @staticmethod
    def text_of(request: dict[str, Any]) -> str:
        """Every message content of one recorded request, joined."""
        return "\n".join(str(m.get("content", "")) for m in request.get("messages", []))

    def sent_text(self) -> str:
        """Every message content of every recorded request, joined."""
        return "\n".join(
            str(message.get("content", ""))
            for request in self.requests
            for message in request.get("messages", [])
        )


_TOKENS_PER_MESSAGE = 3  # OpenAI's chat framing: role and separators per message
_TOKENS_PER_REPLY = 3  # and the assistant's reply is primed


@cache
def _encoding(model: str) -> Any:
    with warnings.catch_warnings():  # its data loader uses a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai

        try:
            encoding = bpe_openai.encoding_for_model(model)
        except (KeyError, ValueError, LookupError):
            encoding = bpe_openai.get_encoding("o200k_base")
        encoding.encode("a")  # its data loads on first use
    return encoding


def count_tokens(text: str, model: str = "gpt-4o-mini") -> int:
    return len(_encoding(model).encode(text))


def prompt_tokens(messages: list[dict[str, Any]], model: str = "gpt-4o-mini") -> int:
    """What an OpenAI server reports as ``usage.prompt_tokens`` for these chat messages."""
    framed = (
        _TOKENS_PER_MESSAGE + count_tokens(str(m.get("content") or ""), model) for m in messages
    )
    return sum(framed) + _TOKENS_PER_REPLY


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": reply.refusal}
    if reply.refusal is None and body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": content}}
        ]
    elif reply.refusal is None:
        message["content"] = content
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = prompt_tokens(body["messages"], str(body.get("model", "")))
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": prompt + reply.completion_tokens,
        },
    }


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(body)
            reply = fake.next_reply(body)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.status != 200:
                payload = reply.content or {"error": {"message": f"status {reply.status}"}}
                self._send(reply.status, payload, {"retry-after-ms": "10"})
                return
            self._send(200, _completion(body, reply), {})

        def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

    return Handler


@contextmanager
def fake_openai_server() -> Iterator[FakeOpenAI]:
    """A running fake on 127.0.0.1 (a free port); its ``url`` ends in ``/v1``."""
    fake = FakeOpenAI(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
