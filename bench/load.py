"""Load on the scaled-out deployment: many uploads from many clients until every call rests.

Usage: python bench/load.py [--uploads 1000] [--clients 50] [--timeout 10800] [--no-baseline]

For each deployment, on a fresh PostgreSQL database of its own (``callsight_bench_<random>``,
dropped afterwards) and a temporary data folder:

- "2 Celery workers": a redis-server of the run's own, ``callsight serve`` with
  CALLSIGHT_BROKER_URL, and two ``callsight worker --queues asr,io --concurrency 1`` (the first
  with ``--beat``);
- "embedded runner" (the baseline, unless ``--no-baseline``): ``callsight serve`` alone, running
  the calls in its own thread pool (CALLSIGHT_RUNNER_WORKERS=2).

An admin key is made with ``callsight keys create``; then ``--uploads`` recordings are uploaded
from ``--clients`` concurrent httpx clients, cycling over short real speech recordings read in
place from the shared data folder, and the database is polled until every accepted call rests
(done, failed, review or unmatched) or ``--timeout`` seconds pass. Other CALLSIGHT_ settings in
the environment apply to both deployments.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import httpx
from deployment import (
    CELERY,
    EMBEDDED,
    REPO,
    Deployment,
    GroupSampler,
    Layout,
    fresh_database,
    start_deployment,
)
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from agent.core.call_states import RESTING_STATUSES
from agent.core.db import make_engine
from agent.core.domain import OutboxStatus
from agent.core.settings import BUNDLED_ASR_MODEL
from agent.core.tables import Call, CrmOutbox
from integrations.audio_decode import probe
from integrations.local_crm import LocalCrmRecord

# Real human speech under 20 s each, in three formats, from four sources.
RECORDINGS = (
    "faster-whisper-tests-data/jfk.flac",
    "whisper.cpp-samples/jfk.mp3",
    "speech_recognition-examples/english.wav",
    "picovoice-leopard-audio-samples/test.wav",
    "picovoice-leopard-audio-samples/diarization_test.wav",
)
RESTING = {status.value for status in RESTING_STATUSES}


@dataclass(frozen=True)
class Recording:
    path: Path
    body: bytes
    duration_s: float


@dataclass(frozen=True)
class Upload:
    outcome: str  # the HTTP status, or the name of the error that got no answer
    latency_ms: float
    call_id: str | None


@dataclass(frozen=True)
class Outcome:
    states: Counter[str]  # each accepted call's last status; "missing" if not in the database
    failures: Counter[str]
    audio_s: float
    crm_records: int
    duplicated_records: int
    unrecorded_writes: int


@dataclass(frozen=True)
class Report:
    layout: Layout
    uploads: list[Upload]
    upload_wall_s: float
    wall_s: float
    stopped_early: str | None
    outcome: Outcome
    pipeline_cpu_s: float
    all_cpu_s: float
    peak_mib: dict[str, float]
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]

    @property
    def accepted(self) -> int:
        return sum(1 for upload in self.uploads if upload.call_id is not None)

    @property
    def lost(self) -> int:
        return sum(n for state, n in self.outcome.states.items() if state not in RESTING)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_recordings(folder: Path) -> list[Recording]:
    paths = [folder / name for name in RECORDINGS]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        sys.exit(f"recordings not found (see --data): {', '.join(missing)}")
    return [Recording(path, path.read_bytes(), probe(path).duration_s) for path in paths]


def upload_all(
    deployment: Deployment, recordings: list[Recording], count: int, clients: int
) -> list[Upload]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {deployment.token}"}
    with httpx.Client(
        base_url=deployment.url, headers=headers, limits=limits, timeout=600
    ) as client:
        pool = ThreadPoolExecutor(max_workers=clients, thread_name_prefix="client")
        try:
            uploads = list(
                pool.map(
                    lambda n: upload_one(client, recordings[n % len(recordings)], n), range(count)
                )
            )
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C: no more uploads
            raise
        pool.shutdown()
    return uploads


def upload_one(client: httpx.Client, recording: Recording, n: int) -> Upload:
    fields = {"customer_name": f"Bench customer {n % 100}", "agent_name": f"Agent {n % 10}"}
    started = time.perf_counter()
    try:
        answer = client.post(
            "/api/v1/calls", files={"file": (recording.path.name, recording.body)}, data=fields
        )
    except httpx.HTTPError as error:
        return Upload(type(error).__name__, _ms_since(started), None)
    call_id = str(answer.json()["id"]) if answer.status_code == 201 else None
    return Upload(str(answer.status_code), _ms_since(started), call_id)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def wait_resting(engine: Engine, deployment: Deployment, deadline: float) -> str | None:
    """Poll until no call is unfinished; else why waiting stopped (a process died, time ran out)."""
    while True:
        with Session(engine) as session:
            query = select(func.count()).select_from(Call)
            query = query.where(col(Call.status).not_in(RESTING_STATUSES))
            unfinished = session.exec(query).one()
        if unfinished == 0:
            return None
        dead = [group.name for group in deployment.groups if not group.alive()]
        if dead:
            return f"{', '.join(dead)} exited"
        if time.monotonic() > deadline:
            return f"timed out with {unfinished} call(s) unfinished"
        time.sleep(0.5)


def read_outcome(engine: Engine, call_ids: list[str]) -> Outcome:
    with Session(engine) as session:
        calls = {call.id: call for call in session.exec(select(Call))}
        doubled = select(LocalCrmRecord.object_type, LocalCrmRecord.external_id)
        doubled = doubled.group_by(LocalCrmRecord.object_type, LocalCrmRecord.external_id)
        duplicated = len(session.exec(doubled.having(func.count() > 1)).all())
        stored = session.exec(select(LocalCrmRecord.object_type, LocalCrmRecord.external_id))
        records = {tuple(key) for key in stored}
        written = session.exec(
            select(CrmOutbox.object_type, CrmOutbox.external_id).where(
                CrmOutbox.status == OutboxStatus.WRITTEN
            )
        ).all()
    found = [calls[call_id] for call_id in call_ids if call_id in calls]
    states = Counter(call.status.value for call in found)
    states["missing"] = len(call_ids) - len(found)
    failures = Counter(
        call.failure_reason or "(no reason)" for call in found if call.status.value == "failed"
    )
    audio_s = sum(call.duration_s or 0.0 for call in found)
    unrecorded = sum(1 for key in written if tuple(key) not in records)
    return Outcome(+states, failures, audio_s, len(records), duplicated, unrecorded)


def run(layout: Layout, recordings: list[Recording], args: argparse.Namespace) -> Report:
    progress(f"{layout.title}: starting")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="loadbench-")))
        database_url = stack.enter_context(fresh_database(args.postgres))
        engine = make_engine(database_url)
        stack.callback(engine.dispose)
        deployment = start_deployment(layout, folder, database_url, stack)
        sampler = GroupSampler({group.name: group.pid for group in deployment.groups}).start()
        stack.callback(sampler.stop)
        report = measure(layout, deployment, engine, sampler, recordings, args)
        if report.stopped_early or report.lost:
            _print_logs(deployment)
        progress(f"{layout.title}: stopping")
    return report


def measure(
    layout: Layout,
    deployment: Deployment,
    engine: Engine,
    sampler: GroupSampler,
    recordings: list[Recording],
    args: argparse.Namespace,
) -> Report:
    """Upload, wait until every call rests, and read what the deployment did meanwhile."""
    labels = [group.name for group in deployment.groups]
    sampler.sample()  # the CPU time spent starting up is not the load's
    cpu_before = {label: sampler.cpu_s(label) for label in labels}
    load_start, started = os.getloadavg(), time.monotonic()
    progress(f"{layout.title}: uploading {args.uploads} from {args.clients} clients")
    uploads = upload_all(deployment, recordings, args.uploads, args.clients)
    upload_wall_s = time.monotonic() - started
    progress(f"{layout.title}: uploads done in {upload_wall_s:.1f} s; waiting for the calls")
    stopped_early = wait_resting(engine, deployment, started + args.timeout)
    wall_s = time.monotonic() - started
    sampler.sample()
    cpu_s = {label: sampler.cpu_s(label) - cpu_before[label] for label in labels}
    call_ids = [upload.call_id for upload in uploads if upload.call_id is not None]
    return Report(
        layout=layout,
        uploads=uploads,
        upload_wall_s=upload_wall_s,
        wall_s=wall_s,
        stopped_early=stopped_early,
        outcome=read_outcome(engine, call_ids),
        pipeline_cpu_s=sum(cpu_s[label] for label in deployment.pipeline_labels),
        all_cpu_s=sum(cpu_s.values()),
        peak_mib={label: sampler.peak_mib(label) for label in labels},
        load_start=load_start,
        load_end=os.getloadavg(),
    )


def _print_logs(deployment: Deployment) -> None:
    for group in deployment.groups:
        print(f"--- {group.name}.log (end)\n{group.log()[-4000:]}", file=sys.stderr)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(report: Report, worker_slots: int) -> dict[str, str]:
    """The table's cells for one deployment, by row title, in print order."""
    latencies = [upload.latency_ms for upload in report.uploads if upload.call_id is not None]
    refused = Counter(upload.outcome for upload in report.uploads if upload.call_id is None)
    outcome, hours = report.outcome, report.outcome.audio_s / 3600
    wall_h, pipeline_core_h = report.wall_s / 3600, report.pipeline_cpu_s / 3600
    unfinished = Counter({s: n for s, n in outcome.states.items() if s not in RESTING})
    resting = Counter({s: n for s, n in outcome.states.items() if s in RESTING})
    cells = {
        "uploads accepted (201)": f"{report.accepted}/{len(report.uploads)}",
        "uploads refused (by code)": _counts(refused) or "0",
        "lost calls (must be 0)": f"{report.lost}"
        + (f" ({_counts(unfinished)})" if unfinished else ""),
        "final states": _counts(resting) or "none",
        "failed calls": str(outcome.states.get("failed", 0)),
        "local CRM records": str(outcome.crm_records),
        "duplicated CRM records (must be 0)": str(outcome.duplicated_records),
        "written outbox rows w/o record (must be 0)": str(outcome.unrecorded_writes),
        "upload latency p50 ms": f"{percentile(latencies, 0.50):.0f}",
        "upload latency p99 ms": f"{percentile(latencies, 0.99):.0f}",
        "uploads per s": f"{len(report.uploads) / report.upload_wall_s:.1f}",
        "wall s until last call rests": f"{report.wall_s:.1f}"
        + ("*" if report.stopped_early else ""),
        "audio h processed": f"{hours:.3f}",
        "audio h per wall h": f"{hours / wall_h:.2f}",
        "worker CPU core-h (measured)": f"{pipeline_core_h:.4f}",
        "audio h per worker core-h": _ratio(hours, pipeline_core_h),
        "CPU s, all processes": f"{report.all_cpu_s:.0f}",
        "peak RSS api MiB": f"{report.peak_mib['api']:.0f}",
    }
    for n in range(1, worker_slots + 1):
        peak = report.peak_mib.get(f"worker-{n}")
        cells[f"peak RSS worker-{n} MiB (+ pool{', beat' * (n == 1)})"] = (
            f"{peak:.0f}" if peak is not None else "-"
        )
    cells["load average at start"] = _load(report.load_start)
    cells["load average at end"] = _load(report.load_end)
    return cells


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{key} {n}" for key, n in counter.most_common())


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "-"


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def print_table(reports: list[Report]) -> None:
    slots = max(report.layout.workers for report in reports)
    columns = [figures(report, slots) for report in reports]
    width = max(len(report.layout.title) for report in reports)
    width = max(width, *(len(cell) for column in columns for cell in column.values()))
    print(f"{'':44} " + "  ".join(f"{report.layout.title:>{width}}" for report in reports))
    for title in columns[0]:
        print(f"{title:44} " + "  ".join(f"{column[title]:>{width}}" for column in columns))
    for report in reports:
        if report.stopped_early:
            print(f"* {report.layout.title}: {report.stopped_early}")
        for reason, n in report.outcome.failures.most_common():
            print(f"{report.layout.title}: {n} failed: {reason}")


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    sys.exit(128 + signum)  # unwinds like Ctrl-C, so every process is stopped


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--uploads", type=int, default=1000, help="Recordings to upload.")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent upload clients.")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10800,
        help="Seconds from the first upload until the calls still unfinished are reported.",
    )
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Also run the embedded runner on the same uploads.",
    )
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL, without a database name.",
    )
    return parser.parse_args()


def print_setup(args: argparse.Namespace, recordings: list[Recording]) -> None:
    print(f"{args.uploads} uploads from {args.clients} clients, cycling over:")
    for recording in recordings:
        name = recording.path.relative_to(args.data)
        print(f"  {name} ({recording.duration_s:.1f} s, {len(recording.body) / 1024:.0f} KiB)")
    model = os.environ.get("CALLSIGHT_ASR_MODEL", BUNDLED_ASR_MODEL)
    print(f"cores: {os.cpu_count()}; database: PostgreSQL; ASR model: {model}", flush=True)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # Even where a shell started it in the background with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    recordings = load_recordings(args.data)
    print_setup(args, recordings)
    layouts = [EMBEDDED, CELERY] if args.baseline else [CELERY]
    try:
        reports = [run(layout, recordings, args) for layout in layouts]
    except KeyboardInterrupt:
        sys.exit("interrupted: every process stopped, the database dropped")
    print_table(reports)


if __name__ == "__main__":
    main()
