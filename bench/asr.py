"""Whole-process speech recognition on real recordings: ``callsight process`` vs bare whisper.

Usage: python bench/asr.py [--runs N] [--only NAME ...] [AUDIO ...]

For each recording (the real stereo phone calls and the human-transcribed clips of
``bench/real_recordings.py``, plus any files given), in one run and in turns:

* bare: a fresh Python process that imports faster-whisper, loads ``WhisperModel(model,
  compute_type="int8")`` and consumes ``model.transcribe(file)`` with faster-whisper's defaults
  otherwise (a stereo file is mixed down to mono);
* callsight: a fresh ``callsight process FILE --json`` process with default settings: decoding,
  channel check, transcription, diarization where mono, summary, local CRM. Its SQLite data
  folder is created and migrated once before any timing (``callsight db upgrade``), as a user's
  is after the first run; every call is a new row in it.

Same model for both: tiny.en for English, and for the Japanese clip the multilingual base model
Callsight routes it to (already joined in the cache: a one-time cost at first use). Printed: wall
seconds of the whole process (start-up and model loading included), peak RSS of that process,
WER (CER for Japanese) against the human transcript, and the speed ratio bare / callsight. The
load average is printed before and after: figures from a busy machine are not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_recordings import Recording, calls, clips

REPO = Path(__file__).resolve().parents[1]

BARE = """
import json, sys
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], compute_type="int8")
segments, info = model.transcribe(sys.argv[2])
text = " ".join(segment.text for segment in segments)
open(sys.argv[3], "w").write(json.dumps({"text": text, "language": info.language}))
"""


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_rss_mb: float
    text: str


def run_process(command: list[str], env: dict[str, str], workdir: Path) -> Run:
    """Run ``command`` to its end; wall time, its own peak RSS (``os.wait4``) and its stdout."""
    stdout, stderr = workdir / "stdout", workdir / "stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:4]} failed: {stderr.read_text()[-2000:]}")
    # ru_maxrss is in kilobytes on Linux.
    return Run(wall, usage.ru_maxrss / 1024, stdout.read_text())


def bare(recording: Recording, model: str, workdir: Path) -> tuple[Run, str]:
    output = workdir / "bare.json"
    command = [sys.executable, "-c", BARE, model, str(recording.path), str(output)]
    run = run_process(command, dict(os.environ), workdir)
    return run, json.loads(output.read_text())["text"]


def callsight_env(workdir: Path, cache: Path) -> dict[str, str]:
    """The environment of every timed ``callsight`` run: one data folder, migrated once here."""
    env = {
        **os.environ,
        "CALLSIGHT_DATA_DIR": str(workdir / "callsight-data"),
        "CALLSIGHT_ASR_CACHE_DIR": str(cache),
    }
    run_process([sys.executable, "-m", "api", "db", "upgrade"], env, workdir)
    return env


def callsight(recording: Recording, workdir: Path, env: dict[str, str]) -> tuple[Run, str]:
    command = [sys.executable, "-m", "api", "process", str(recording.path), "--json"]
    run = run_process(command, env, workdir)
    call = json.loads(run.text.strip().splitlines()[-1])
    segments = sorted(call["transcript"]["segments"], key=lambda s: s["start"])
    return run, " ".join(segment["text"] for segment in segments)


def error_rate(recording: Recording, heard: str) -> float | None:
    if recording.reference is None:
        return None
    if recording.language == "ja":
        return _distance(_letters(recording.reference), _letters(heard))
    return _distance(_words(recording.reference), _words(heard))


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w' ]+", " ", text.lower()).replace("'", "").split()


def _letters(text: str) -> list[str]:
    return [c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum()]


def _distance(reference: list[str], hypothesis: list[str]) -> float:
    row = list(range(len(hypothesis) + 1))
    for i, expected in enumerate(reference, start=1):
        diagonal, row[0] = row[0], i
        for j, heard in enumerate(hypothesis, start=1):
            substitution = diagonal + (expected != heard)
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, substitution)
    return row[-1] / max(len(reference), 1)


def models(cache: Path) -> dict[str, str]:
    """The model paths both sides use, by language (the multilingual one joined once here)."""
    from integrations.bundled_models import assembled_model_path, tiny_en_path

    return {"en": str(tiny_en_path()), "ja": str(assembled_model_path(cache))}


def audio_seconds(path: Path) -> float:
    from integrations.audio_decode import probe

    return probe(path).duration_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="*", type=Path, help="more English recordings")
    parser.add_argument("--runs", type=int, default=1, help="runs per engine and file (median)")
    parser.add_argument("--only", nargs="*", help="names of the built-in recordings to run")
    args = parser.parse_args()
    print(f"cores: {len(os.sched_getaffinity(0))}; load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        cache = workdir / "models"
        by_language = models(cache)
        env = callsight_env(workdir, cache)
        recordings = [*calls(workdir), *clips()]
        recordings += [Recording(path.stem, path) for path in args.audio]
        if args.only:
            recordings = [r for r in recordings if r.name in args.only]
        print(
            f"{'recording':20} {'audio_s':>7} {'bare_s':>7} {'calls_s':>7} {'ratio':>6} "
            f"{'bare_err':>8} {'calls_err':>9} {'bare_MB':>7} {'calls_MB':>8}"
        )
        for recording in recordings:
            model = by_language[recording.language]
            bare_runs, ours = [], []
            for _ in range(args.runs):
                bare_runs.append(bare(recording, model, workdir))
                ours.append(callsight(recording, workdir, env))
            print(_line(recording, bare_runs, ours), flush=True)
    print(f"load average after: {os.getloadavg()}")


def _line(
    recording: Recording, bare_runs: list[tuple[Run, str]], ours: list[tuple[Run, str]]
) -> str:
    bare_s = statistics.median(run.wall_s for run, _ in bare_runs)
    ours_s = statistics.median(run.wall_s for run, _ in ours)
    bare_err, ours_err = error_rate(recording, bare_runs[0][1]), error_rate(recording, ours[0][1])
    kind = "CER" if recording.language == "ja" else "WER"

    def percent(value: float | None) -> str:
        return f"{value * 100:7.2f}%" if value is not None else "       -"

    return (
        f"{recording.name[:20]:20} {audio_seconds(recording.path):7.1f} {bare_s:7.2f} "
        f"{ours_s:7.2f} {bare_s / ours_s:5.2f}x {percent(bare_err)} {percent(ours_err)} "
        f"{max(r.peak_rss_mb for r, _ in bare_runs):7.0f} "
        f"{max(r.peak_rss_mb for r, _ in ours):8.0f}"
        f"  {kind}{'  (speed target file)' if recording.is_call else ''}"
    )


if __name__ == "__main__":
    main()
