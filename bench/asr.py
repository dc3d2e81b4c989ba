"""Speech recognition speed, memory and accuracy: plain faster-whisper next to Callsight's engine.

Usage: python bench/asr.py [AUDIO ...] [--engine-only]

Always includes the bundled sample call. For each file, in one run, each engine transcribes in
a fresh subprocess (so peak RSS is that engine's alone, model included):

* plain: ``WhisperModel(model).transcribe(file)`` with faster-whisper's defaults, consumed fully
  (on a stereo file it hears the two channels mixed down);
* callsight: ``FasterWhisperTranscriber`` as the service builds it from default settings
  (windows, one channel per speaker, VAD, batched inference, word timestamps).

Both use the same model (the bundled tiny.en unless CALLSIGHT_ASR_MODEL says otherwise), loaded
before the clock starts. Printed: wall seconds, audio seconds per wall second, peak RSS, and WER
when a reference transcript lies next to the audio (``NAME.script.json`` from
examples/make_sample_call.py, or ``NAME.txt``). WER compares lower-cased words without
punctuation against the reference in time order; Callsight's utterances are joined in time order.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "support-call.flac"
ENGINES = ("plain", "callsight")


@dataclass(frozen=True)
class Run:
    engine: str
    audio_s: float
    wall_s: float
    peak_rss_mb: float
    wer: float | None

    def line(self, name: str) -> str:
        wer = f"{self.wer * 100:6.2f}%" if self.wer is not None else "      -"
        return (
            f"{name[:30]:30} {self.engine:10} {self.audio_s:8.1f} {self.wall_s:8.2f} "
            f"{self.audio_s / self.wall_s:7.1f}x {self.peak_rss_mb:8.0f} {wer}"
        )


HEADER = (
    f"{'file':30} {'engine':10} {'audio_s':>8} {'wall_s':>8} {'speed':>8} {'rss_MB':>8} {'WER':>7}"
)


def words(text: str) -> list[str]:
    return re.sub(r"[^\w' ]+", " ", text.lower()).replace("'", "").split()


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Levenshtein distance over words, divided by the reference length."""
    row = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        diagonal, row[0] = row[0], i
        for j, hyp_word in enumerate(hypothesis, start=1):
            diagonal, row[j] = (
                row[j],
                min(row[j] + 1, row[j - 1] + 1, diagonal + (ref_word != hyp_word)),
            )
    return row[-1] / max(len(reference), 1)


def reference_text(audio: Path) -> str | None:
    script = audio.with_suffix(".script.json")
    if script.exists():
        turns = sorted(json.loads(script.read_text())["turns"], key=lambda t: t["start"])
        return " ".join(turn["text"] for turn in turns)
    plain = audio.with_suffix(".txt")
    return plain.read_text(encoding="utf-8") if plain.exists() else None


def worker(engine: str, audio: Path, result: Path) -> None:
    """Runs in the subprocess: load the model, then time one transcription."""
    from agent.core.domain import TranscribeOptions
    from agent.core.settings import Settings
    from api.composition import asr_model_location, build_transcriber
    from integrations.audio_decode import probe
    from integrations.faster_whisper_asr import load_model

    settings = Settings()
    model_path = asr_model_location(settings)
    if engine == "plain":
        from faster_whisper import WhisperModel

        model = WhisperModel(model_path)
        started = time.perf_counter()
        segments, _ = model.transcribe(str(audio))
        text = " ".join(segment.text for segment in segments)
    else:
        transcriber = build_transcriber(settings)
        load_model(*transcriber._model_args)
        started = time.perf_counter()
        transcript = transcriber.transcribe(audio, TranscribeOptions())
        text = " ".join(u.text for u in transcript.utterances)
    wall = time.perf_counter() - started
    duration = probe(audio).duration_s
    result.write_text(json.dumps({"wall_s": wall, "audio_s": duration, "text": text}))


def measure(engine: str, audio: Path, reference: str | None) -> Run:
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        command = [sys.executable, __file__, "--worker", engine, str(audio), result.name]
        process = subprocess.Popen(command, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"{engine} failed on {audio} (exit {process.returncode})")
        found = json.loads(Path(result.name).read_text())
    wer = word_error_rate(words(reference), words(found["text"])) if reference else None
    # ru_maxrss is in kilobytes on Linux.
    return Run(engine, found["audio_s"], found["wall_s"], usage.ru_maxrss / 1024, wer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="*", type=Path, help="more recordings to measure")
    parser.add_argument("--engine-only", action="store_true", help="skip plain faster-whisper")
    parser.add_argument(
        "--worker", nargs=3, metavar=("ENGINE", "AUDIO", "RESULT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        engine, audio, result = args.worker
        worker(engine, Path(audio), Path(result))
        return
    engines = ("callsight",) if args.engine_only else ENGINES
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    print(HEADER, flush=True)
    for path in [SAMPLE, *args.audio]:
        reference = reference_text(path)
        runs = {engine: measure(engine, path, reference) for engine in engines}
        for run in runs.values():
            print(run.line(path.name), flush=True)
        if len(runs) == 2:
            print(_comparison(runs["plain"], runs["callsight"]), flush=True)


def _comparison(plain: Run, engine: Run) -> str:
    text = f"{'':30} callsight is {plain.wall_s / engine.wall_s:.2f}x faster"
    if plain.wer is not None and engine.wer is not None:
        text += f", WER {(engine.wer - plain.wer) * 100:+.2f} points"
    return text


if __name__ == "__main__":
    main()
