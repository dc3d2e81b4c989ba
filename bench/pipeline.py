"""End-to-end pipeline throughput next to bare faster-whisper, on the same audio in one run.

Usage: python bench/pipeline.py [AUDIO ...]

Always includes the bundled sample call. For each file it prints audio seconds per wall second for
(a) ``WhisperModel(model).transcribe(file)`` with faster-whisper's defaults, consumed fully, and
(b) Callsight's whole pipeline: ingest, transcription by channel, summary, local CRM sync, on a
fresh SQLite database. Both use the bundled tiny.en model, loaded before timing starts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from faster_whisper import WhisperModel
from sqlmodel import Session

from agent.calls.service import CallMetadata, create_call_from_file
from agent.core.db import upgrade
from agent.core.settings import Settings
from api.composition import asr_model_location, build_container
from integrations.audio_decode import probe
from integrations.faster_whisper_asr import load_model

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "support-call.flac"


HEADER = (
    f"{'file':28} {'audio_s':>8} {'bare_s':>9} {'bare':>9} {'pipe_s':>9} {'pipe':>9} "
    f"{'ratio':>7} status"
)


@dataclass(frozen=True)
class Row:
    name: str
    audio_s: float
    bare_s: float
    pipeline_s: float
    status: str

    def line(self) -> str:
        bare_x, pipe_x = self.audio_s / self.bare_s, self.audio_s / self.pipeline_s
        return (
            f"{self.name[:28]:28} {self.audio_s:8.1f} {self.bare_s:9.2f} {bare_x:8.1f}x "
            f"{self.pipeline_s:9.2f} {pipe_x:8.1f}x {pipe_x / bare_x:7.2f} {self.status}"
        )


def time_bare(model: WhisperModel, path: Path) -> float:
    started = time.perf_counter()
    segments, _ = model.transcribe(str(path))
    for _ in segments:
        pass
    return time.perf_counter() - started


def time_pipeline(settings: Settings, path: Path) -> tuple[float, str]:
    container = build_container(settings)
    started = time.perf_counter()
    with Session(container.engine) as session:
        call = create_call_from_file(
            session,
            container.store,
            path,
            CallMetadata(),
            settings.default_channel_map,
            settings.max_upload_bytes,
        )
        session.commit()
        call_id = call.id
    status = container.pipeline.advance(call_id)
    elapsed = time.perf_counter() - started
    container.engine.dispose()
    return elapsed, status.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="*", type=Path, help="more recordings to measure")
    files = [SAMPLE, *parser.parse_args().audio]
    with tempfile.TemporaryDirectory() as workdir:
        settings = Settings(data_dir=Path(workdir))
        upgrade(settings.database_url)
        model_path = asr_model_location(settings)
        bare_model = WhisperModel(model_path)
        load_model(
            model_path, settings.asr_device, settings.asr_compute_type, settings.asr_cpu_threads
        )
        print(f"model: {model_path}")
        print(
            f"pipeline: batch_size={settings.asr_batch_size} "
            f"cpu_threads={settings.asr_cpu_threads} compute_type={settings.asr_compute_type}; "
            "bare: WhisperModel defaults"
        )
        print(HEADER)
        for path in files:
            audio_s = probe(path).duration_s
            bare_s = time_bare(bare_model, path)
            pipeline_s, status = time_pipeline(settings, path)
            print(Row(path.name, audio_s, bare_s, pipeline_s, status).line(), flush=True)


if __name__ == "__main__":
    main()
