"""A deployment a benchmark starts, watches and always tears down: its database and processes.

Each process runs in a process group of its own, so stopping it also stops what it forked (a
Celery worker's pool and beat), and a Ctrl-C in the terminal reaches only the benchmark, which
then stops them in order.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def callsight(*arguments: str) -> list[str]:
    """This tree's ``callsight`` command, run by the benchmark's own interpreter."""
    return [sys.executable, "-m", "api", *arguments]


def project_env(folder: Path, **settings: str) -> dict[str, str]:
    """The environment of every process of one deployment: this tree's code, its own temporary
    folder (so its files never mix with a test's), and the given ``CALLSIGHT_`` settings."""
    temporary = folder / "tmp"
    temporary.mkdir(exist_ok=True)
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    named = {f"CALLSIGHT_{name.upper()}": value for name, value in settings.items()}
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "TMPDIR": str(temporary), **named}


def wait_until(ready: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout_s:.0f} s")
        time.sleep(0.2)


class Group:
    """One command in a process group of its own, its output in ``<folder>/<name>.log``."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], folder: Path) -> None:
        self.name, self._command, self._env, self._folder = name, command, env, folder
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Group:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self._command,
                env=self._env,
                cwd=self._folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def check_alive(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited:\n{self.log()[-3000:]}")

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM to the group, SIGKILL after ``grace_s``; then whatever of it is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        _signal_group(self.pid, signal.SIGKILL)  # a pool child that outlived its parent


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def start_redis(folder: Path) -> tuple[Group, str]:
    """A ``redis-server`` of the run's own on a free port, keeping nothing on disk."""
    import redis

    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    group = Group("redis", command, dict(os.environ), folder).start()
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        group.check_alive()
        try:
            return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    wait_until(answers, 20, "redis-server")
    return group, url


@dataclass(frozen=True)
class Layout:
    title: str
    workers: int  # 0: the embedded runner, inside the API process


EMBEDDED = Layout("embedded runner", 0)
CELERY = Layout("2 Celery workers", 2)


@dataclass(frozen=True)
class Deployment:
    url: str
    token: str
    api: Group
    workers: list[Group]
    redis: Group | None

    @property
    def groups(self) -> list[Group]:
        return [self.api, *self.workers, *([self.redis] if self.redis else [])]

    @property
    def pipeline_labels(self) -> list[str]:
        """The processes that run the calls: the workers, else the API's own runner."""
        return [worker.name for worker in self.workers] or [self.api.name]


def create_admin_key(env: dict[str, str], folder: Path) -> str:
    command = callsight("keys", "create", "--role", "admin", "--name", "bench")
    done = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def start_deployment(
    layout: Layout, folder: Path, database_url: str, stack: ExitStack
) -> Deployment:
    settings = {"database_url": database_url, "data_dir": str(folder / "data")}
    redis = None
    if layout.workers:
        redis, settings["broker_url"] = start_redis(folder)
        stack.callback(redis.stop)
    else:
        settings |= {"broker_url": "", "runner_workers": "2"}
    env = project_env(folder, **settings)
    token = create_admin_key(env, folder)
    port = free_port()
    api = Group("api", callsight("serve", "--port", str(port)), env, folder).start()
    stack.callback(api.stop)
    workers = []
    for n in range(layout.workers):
        command = callsight("worker", "--queues", "asr,io", "--concurrency", "1")
        worker = Group(f"worker-{n + 1}", command + (["--beat"] if n == 0 else []), env, folder)
        stack.callback(worker.start().stop)
        workers.append(worker)
    deployment = Deployment(f"http://127.0.0.1:{port}", token, api, workers, redis)
    wait_until(lambda: _ready(deployment), 120, f"{layout.title} deployment")
    return deployment


def _ready(deployment: Deployment) -> bool:
    for group in deployment.groups:
        group.check_alive()
    if not all(" ready." in worker.log() for worker in deployment.workers):
        return False
    try:
        return httpx.get(f"{deployment.url}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database ``callsight_bench_<random>`` on the server, dropped afterwards
    even while processes still hold connections to it."""
    name = f"callsight_bench_{secrets.token_hex(4)}"
    admin = create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server_url}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class GroupSampler:
    """Samples the resident memory and CPU time of whole process groups from /proc.

    Memory is the peak over samples of the group's summed VmRSS (a worker's main process, its
    pool and beat together); CPU time is each member's user + system time when last seen.
    """

    def __init__(self, groups: dict[str, int], interval_s: float = 0.5) -> None:
        self._groups = groups
        self._by_pgid = {pgid: label for label, pgid in groups.items()}
        self._interval_s = interval_s
        self._peak_kib = dict.fromkeys(groups, 0)
        self._ticks: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="group-sampler", daemon=True)

    def start(self) -> GroupSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def peak_mib(self, label: str) -> float:
        with self._lock:
            return self._peak_kib[label] / 1024

    def cpu_s(self, *labels: str) -> float:
        with self._lock:
            ticks = sum(n for (label, _), n in self._ticks.items() if label in labels)
        return ticks / CLOCK_TICKS

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.sample()
            self._stopped.wait(self._interval_s)

    def sample(self) -> None:
        rss_kib = dict.fromkeys(self._groups, 0)
        for pid, pgid, ticks in _processes():
            label = self._by_pgid.get(pgid)
            if label is None:
                continue
            rss_kib[label] += _rss_kib(pid)
            with self._lock:
                self._ticks[(label, pid)] = ticks
        with self._lock:
            for label, kib in rss_kib.items():
                self._peak_kib[label] = max(self._peak_kib[label], kib)


def _processes() -> Iterator[tuple[int, int, int]]:
    """(pid, process group, user + system clock ticks) of every process still readable."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # it exited between the listing and the read
        # The command name, in parentheses, may hold spaces: the fields follow its last ")".
        fields = stat.rsplit(")", 1)[1].split()
        yield int(entry.name), int(fields[2]), int(fields[11]) + int(fields[12])


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a zombie has no memory left
