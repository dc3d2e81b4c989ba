"""A Redis server of the test's own on a free port, so a test may restart or flush it."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import redis

from support.polling import wait_for
from support.server import free_port


class RedisServer:
    """``redis-server`` keeping nothing on disk, as a broker that may be restarted mid-run."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise AssertionError("redis-server is not installed (Debian package redis-server)")
        self._binary, self._folder = binary, folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        command = [self._binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self._folder)]
        log = (self._folder / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        wait_for(self._answers, timeout=20, interval=0.05)
        return self

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Kill it and start it again: every queued message is lost, as after a crash."""
        self.stop()
        self.start()
