"""Real human recordings for the benchmarks, read in place from the shared data folder.

Stereo calls are assembled in a temporary folder (never in the repository):

* ``aws-call-8k-stereo.wav``: the real 238 s service call, agent left and caller right, at its
  own 8 kHz (what ``sox -M agent.wav caller.wav`` makes);
* ``long-call-stereo.wav``: that call followed by more real speech on alternating sides (Azure's
  en-US clip, Katie and Steve, JFK, the Picovoice sentence): 5.5 minutes, 16 kHz.

Clips with human references (WER, or CER for Japanese) are used as they are.
"""

from __future__ import annotations

import json
import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED = Path(os.environ.get("CALLSIGHT_SHARED_DATA", "/work/shared/data"))
if not SHARED.exists():
    SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
AWS = SHARED / "aws-lca-call-recordings"
AZURE = SHARED / "azure-speech-sdk-sampledata"
FASTER_WHISPER = SHARED / "faster-whisper-tests-data"
PICOVOICE = SHARED / "picovoice-leopard-audio-samples"


@dataclass(frozen=True)
class Recording:
    name: str
    path: Path
    reference: str | None = None
    language: str = "en"
    is_call: bool = False  # a stereo phone call of 3 to 10 minutes: the speed target's files


def calls(workdir: Path) -> list[Recording]:
    """The two stereo phone calls, assembled into ``workdir``."""
    return [_aws_stereo(workdir), _long_call(workdir)]


def clips() -> list[Recording]:
    """Human speech with a human (or long-accepted) transcript."""
    jfk = json.loads((FASTER_WHISPER / "reference_transcripts.json").read_text())["jfk.flac"]
    picovoice = json.loads((PICOVOICE / "reference_transcripts.json").read_text())["test.wav"]
    return [
        Recording(
            "azure-en-US",
            AZURE / "customspeech_en-US_general_audio.wav",
            _azure_text("customspeech_en-US_general_trans.txt"),
        ),
        Recording("jfk", FASTER_WHISPER / "jfk.flac", jfk["text"]),
        Recording("picovoice-en", PICOVOICE / "test.wav", picovoice["transcript"]),
        Recording(
            "azure-ja-JP",
            AZURE / "customspeech_ja-JP_audio.wav",
            _azure_text("customspeech_ja-JP_trans.txt"),
            language="ja",
        ),
    ]


def _azure_text(name: str) -> str:
    return (AZURE / name).read_text(encoding="utf-8-sig").split("\t", 1)[1].strip()


def _aws_stereo(workdir: Path) -> Recording:
    target = workdir / "aws-call-8k-stereo.wav"
    agent, rate = _read_pcm(AWS / "Auto_Repairs_49_UTC_agent.wav")
    caller, _ = _read_pcm(AWS / "Auto_Repairs_49_UTC_caller.wav")
    length = min(len(agent), len(caller))
    _write_pcm(target, np.stack([agent[:length], caller[:length]]), rate)
    return Recording("aws-call-8k-stereo", target, is_call=True)


def _long_call(workdir: Path) -> Recording:
    from faster_whisper import decode_audio

    target = workdir / "long-call-stereo.wav"
    agent = decode_audio(str(AWS / "Auto_Repairs_49_UTC_agent.wav"))
    caller = decode_audio(str(AWS / "Auto_Repairs_49_UTC_caller.wav"))
    length = min(len(agent), len(caller))
    left, right = [agent[:length]], [caller[:length]]
    turns = [
        ("left", AZURE / "customspeech_en-US_general_audio.wav"),
        ("right", AZURE / "katiesteve_mono.wav"),
        ("left", FASTER_WHISPER / "jfk.flac"),
        ("right", PICOVOICE / "test.wav"),
        ("left", AZURE / "katiesteve_mono.wav"),
    ]
    for side, path in turns:
        speech = decode_audio(str(path))
        pause = np.zeros(8000, dtype=np.float32)
        silent = np.zeros_like(speech)
        (left if side == "left" else right).extend([pause, speech])
        (right if side == "left" else left).extend([pause, silent])
    stereo = np.stack([np.concatenate(left), np.concatenate(right)])
    _write_pcm(target, (np.clip(stereo, -1, 1) * 32767).astype(np.int16), 16000)
    return Recording("long-call-stereo", target, is_call=True)


def _read_pcm(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as source:
        frames = source.readframes(source.getnframes())
        return np.frombuffer(frames, dtype="<i2"), source.getframerate()


def _write_pcm(path: Path, channels: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(channels.T.astype("<i2").tobytes())
