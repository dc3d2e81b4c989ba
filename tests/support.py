"""Helpers for tests: audio files made here, waiting on things, a server in its own process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np

from agent.core.settings import Settings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

RATE = 16_000


def write_wav(path: Path, channels: list[np.ndarray], rate: int = RATE) -> Path:
    """16-bit PCM WAV from float arrays in [-1, 1], one per channel, all the same length."""
    frames = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    pcm = (np.clip(frames, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def tone(seconds: float, freq: float = 440.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def wait_for(predicate: Callable[[], Any], timeout: float = 120.0, interval: float = 0.2) -> Any:
    """Poll until ``predicate`` returns something truthy; fail with the last value on timeout."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s; last value: {value!r}")
        time.sleep(interval)
        value = predicate()
    return value


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``callsight serve`` in its own process, as a user would run it."""

    def __init__(
        self, settings: Settings, log_path: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {
            **os.environ,
            "CALLSIGHT_DATA_DIR": str(settings.data_dir),
            "CALLSIGHT_DATABASE_URL": settings.database_url,
            **(extra_env or {}),
        }
        self._log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "api", "serve", "--port", str(self.port)]
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=self._env, stdout=log, stderr=log)
        wait_for(self._ready, timeout=60)

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"server exited: {self._log_path.read_text()}")
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def encode_audio(
    path: Path,
    channels: list[np.ndarray],
    codec: str,
    rate: int = RATE,
    container: str | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode float arrays (one per channel) with PyAV's ``codec`` into ``path``."""
    import av

    layout = "stereo" if len(channels) == 2 else "mono"
    planar = np.stack(channels).astype(np.float32)
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout, options=options or {})
        for start in range(0, planar.shape[1], 4096):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(planar[:, start : start + 4096]), format="fltp", layout=layout
            )
            frame.rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


RESTING = {"done", "failed", "review"}


def upload(
    client: TestClient, headers: dict[str, str], path: Path, **fields: str
) -> dict[str, Any]:
    with path.open("rb") as audio:
        response = client.post(
            "/api/v1/calls", headers=headers, files={"file": (path.name, audio)}, data=fields
        )
    assert response.status_code == 201, response.text
    return response.json()


def until_rested(client: TestClient, headers: dict[str, str], call_id: str) -> dict[str, Any]:
    def rested() -> dict[str, Any] | None:
        call = client.get(f"/api/v1/calls/{call_id}", headers=headers).json()
        return call if call["status"] in RESTING else None

    result: dict[str, Any] = wait_for(rested, timeout=180)
    return result
