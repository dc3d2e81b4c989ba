"""``callsight worker`` processes, each in a process group of its own, as an operator runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from agent.core.settings import Settings
from support.polling import wait_for

# Short enough for a test to see a dead worker's call resume within seconds.
FAST_RECOVERY = {
    "CALLSIGHT_LEASE_TTL_S": "5",
    "CALLSIGHT_SWEEP_INTERVAL_S": "1",
    "CALLSIGHT_STUCK_AFTER_S": "4",
    "CALLSIGHT_OUTBOX_POLL_S": "0.5",
}


def cluster_env(settings: Settings, broker_url: str, **extra: str) -> dict[str, str]:
    """The environment of every process of one deployment: same database, audio and broker."""
    return {
        **os.environ,
        "CALLSIGHT_DATA_DIR": str(settings.data_dir),
        "CALLSIGHT_DATABASE_URL": settings.database_url,
        "CALLSIGHT_BROKER_URL": broker_url,
        **FAST_RECOVERY,
        **extra,
    }


class Worker:
    """One ``callsight worker`` (a Celery main process and its pool) in its own process group."""

    def __init__(
        self, env: dict[str, str], log_path: Path, queues: str = "asr,io", beat: bool = False
    ) -> None:
        self._env, self.log_path, self.queues, self.beat = env, log_path, queues, beat
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        command = [sys.executable, "-m", "api", "worker", "--queues", self.queues]
        command += ["--concurrency", "1"] + (["--beat"] if self.beat else [])
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self._env, stdout=log, stderr=log, start_new_session=True
            )
        wait_for(self._ready, timeout=60, interval=0.2)
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited: {self.log()}")
        return " ready." in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the whole process group: the main process and its pool die at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
