"""Warm pipeline throughput on real recordings: Callsight's whole pipeline vs bare faster-whisper.

Usage: python bench/pipeline.py [--only NAME ...] [AUDIO ...]

What a running worker sees, where ``bench/asr.py`` measures a cold command. For each recording
(those of ``bench/real_recordings.py`` plus any files given), each side runs in its own
subprocess, loads its model before the clock starts, and is timed on one pass:

* bare: ``WhisperModel(model, compute_type="int8").transcribe(file)``, consumed fully, with
  faster-whisper's defaults otherwise;
* pipeline: ingest, transcription (by channel, or voices on mono), summary (built-in engine) and
  local CRM sync on a fresh SQLite database, as ``Pipeline.advance`` runs a call.

Printed: wall seconds, audio seconds per wall second, the ratio, WER (CER for Japanese) and the
subprocess's peak RSS, with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asr import audio_seconds, error_rate, models, run_process
from real_recordings import Recording, calls, clips


def worker(side: str, model: str, audio: Path, data: Path, result: Path) -> None:
    """Runs in the subprocess: load the model, then time one pass."""
    if side == "bare":
        from faster_whisper import WhisperModel

        whisper = WhisperModel(model, compute_type="int8")
        started = time.perf_counter()
        segments, _ = whisper.transcribe(str(audio))
        text = " ".join(segment.text for segment in segments)
    else:
        text, started = _pipeline(audio, data)
    result.write_text(json.dumps({"wall_s": time.perf_counter() - started, "text": text}))


def _pipeline(audio: Path, data: Path) -> tuple[str, float]:
    from sqlmodel import Session

    from agent.calls.service import CallMetadata, create_call_from_file
    from agent.calls.views import call_detail
    from agent.core.settings import Settings
    from agent.core.tables import Call
    from api.composition import asr_model_location
    from api.startup import start_container
    from integrations.faster_whisper_asr import load_model

    settings = Settings(data_dir=data)
    container = start_container(settings)
    load_model(
        asr_model_location(settings),
        settings.asr_device,
        settings.asr_compute_type,
        settings.asr_cpu_threads or len(os.sched_getaffinity(0)),
    )
    started = time.perf_counter()
    with Session(container.engine) as session:
        call = create_call_from_file(
            session,
            container.store,
            audio,
            CallMetadata(),
            settings.default_channel_map,
            settings.max_upload_bytes,
        )
        session.commit()
        call_id = call.id
    container.pipeline.advance(call_id)
    container.pipeline.crm_sync.flush()
    with Session(container.engine) as session:
        detail = call_detail(session, session.get(Call, call_id))
    segments = sorted(detail.transcript.segments, key=lambda s: s.start)
    return " ".join(segment.text for segment in segments), started


def measure(side: str, recording: Recording, model: str, workdir: Path) -> tuple[float, float, str]:
    data = Path(tempfile.mkdtemp(dir=workdir))
    result = workdir / "result.json"
    command = [
        sys.executable,
        __file__,
        "--worker",
        side,
        model,
        str(recording.path),
        str(data),
        str(result),
    ]
    env = {**os.environ, "CALLSIGHT_ASR_CACHE_DIR": str(workdir / "models")}
    run = run_process(command, env, workdir)
    found = json.loads(result.read_text())
    return found["wall_s"], run.peak_rss_mb, found["text"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="*", type=Path, help="more English recordings")
    parser.add_argument("--only", nargs="*", help="names of the built-in recordings to run")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        side, model, audio, data, result = args.worker
        worker(side, model, Path(audio), Path(data), Path(result))
        return
    print(f"cores: {len(os.sched_getaffinity(0))}; load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        by_language = models(workdir / "models")
        recordings = [*calls(workdir), *clips()]
        recordings += [Recording(path.stem, path) for path in args.audio]
        if args.only:
            recordings = [r for r in recordings if r.name in args.only]
        print(
            f"{'recording':20} {'audio_s':>7} {'bare_s':>7} {'bare':>6} {'pipe_s':>7} "
            f"{'pipe':>6} {'ratio':>6} {'bare_err':>8} {'pipe_err':>8} "
            f"{'bare_MB':>7} {'pipe_MB':>7}"
        )
        for recording in recordings:
            model = by_language[recording.language]
            bare_s, bare_mb, bare_text = measure("bare", recording, model, workdir)
            pipe_s, pipe_mb, pipe_text = measure("pipeline", recording, model, workdir)
            audio_s = audio_seconds(recording.path)
            print(
                f"{recording.name[:20]:20} {audio_s:7.1f} {bare_s:7.2f} {audio_s / bare_s:5.1f}x "
                f"{pipe_s:7.2f} {audio_s / pipe_s:5.1f}x {bare_s / pipe_s:5.2f}x "
                f"{_percent(error_rate(recording, bare_text))} "
                f"{_percent(error_rate(recording, pipe_text))} {bare_mb:7.0f} {pipe_mb:7.0f}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}")


def _percent(value: float | None) -> str:
    return f"{value * 100:7.2f}%" if value is not None else "       -"


if __name__ == "__main__":
    main()
