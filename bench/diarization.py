"""Mono diarization error on real speech whose speakers are known.

Usage: python bench/diarization.py

* the real AWS service call (238 s) and ``stereo_diarization.wav`` (5 s), each mixed down to
  mono: the truth is which channel is speaking, read from each channel's energy every 10 ms;
* Picovoice's ``diarization_test.wav`` (3 speakers): the truth is its word-level speaker tags.

Each file is transcribed as Callsight does (bundled tiny.en, default settings, voices told apart
on mono). Printed per file: voices found; DER = (missed speech + false alarm + confusion) /
reference speech, over 10 ms frames where exactly one side speaks (overlap excluded), under the
best mapping of voices to speakers, with confusion on its own; for Picovoice, the word
diarization error rate (share of matched words given the wrong speaker under the best mapping).
Without diarization every mono call would be one speaker: that DER is printed beside it.
"""

from __future__ import annotations

import difflib
import itertools
import json
import os
import re
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_recordings import AWS, FASTER_WHISPER, PICOVOICE

FRAME = 160  # 10 ms at 16 kHz


def main() -> None:
    from faster_whisper import decode_audio

    from agent.core.domain import TranscribeOptions
    from integrations.bundled_models import tiny_en_path
    from integrations.faster_whisper_asr import FasterWhisperTranscriber

    print(f"load average before: {os.getloadavg()}")
    transcriber = FasterWhisperTranscriber(str(tiny_en_path()))
    print(f"{'recording':24} {'voices':>6} {'DER':>7} {'confusion':>9} {'one-speaker DER':>15}")
    with tempfile.TemporaryDirectory() as folder:
        agent = decode_audio(str(AWS / "Auto_Repairs_49_UTC_agent.wav"))
        caller = decode_audio(str(AWS / "Auto_Repairs_49_UTC_caller.wav"))
        length = min(len(agent), len(caller))
        left, right = decode_audio(
            str(FASTER_WHISPER / "stereo_diarization.wav"), split_stereo=True
        )
        for name, sides in (
            ("aws-call (mono mix)", np.stack([agent[:length], caller[:length]])),
            ("stereo_diarization (mix)", np.stack([left, right])),
        ):
            path = _mono(Path(folder) / f"{name[:8]}.wav", sides.sum(axis=0))
            transcript = transcriber.transcribe(path, TranscribeOptions(language="en"))
            found = _der(sides, transcript.utterances)
            alone = _der(sides, [_one_speaker(u) for u in transcript.utterances])
            print(
                f"{name:24} {transcript.voices or 1:6d} {found[0] * 100:6.1f}% "
                f"{found[1] * 100:8.1f}% {alone[0] * 100:14.1f}%"
            )
        picovoice = PICOVOICE / "diarization_test.wav"
        transcript = transcriber.transcribe(picovoice, TranscribeOptions(language="en"))
        wder, matched, total = _word_error(transcript.utterances)
        print(
            f"{'picovoice (3 speakers)':24} {transcript.voices or 1:6d} "
            f"WDER {wder * 100:.1f}% over {matched} of {total} reference words"
        )
    print(f"load average after: {os.getloadavg()}")


def _mono(path: Path, samples: np.ndarray) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(pcm.tobytes())
    return path


def _one_speaker(utterance):  # type: ignore[no-untyped-def]
    import dataclasses

    return dataclasses.replace(utterance, channel=0)


def _active(channel: np.ndarray) -> np.ndarray:
    frames = len(channel) // FRAME
    energy = np.sqrt((channel[: frames * FRAME].reshape(frames, FRAME) ** 2).mean(axis=1))
    smooth = np.convolve(energy, np.ones(30) / 30, mode="same")
    return smooth > max(0.02 * smooth.max(), 1e-4)


def _der(sides: np.ndarray, utterances: list) -> tuple[float, float]:  # type: ignore[type-arg]
    first, second = _active(sides[0]), _active(sides[1])
    truth = np.full(len(first), -1)
    truth[first & ~second] = 0
    truth[second & ~first] = 1
    heard = np.full(len(first), -1)
    for utterance in utterances:
        voice = utterance.channel if utterance.channel is not None else 0
        heard[int(utterance.start * 100) : int(utterance.end * 100)] = voice
    speech = truth >= 0
    best = (1.0, 1.0)
    for mapped in (heard, np.where(heard >= 0, 1 - heard, heard)):
        missed = np.sum(speech & (mapped < 0))
        confused = np.sum(speech & (mapped >= 0) & (mapped != truth))
        false_alarm = np.sum((truth < 0) & ~(first & second) & (mapped >= 0))
        total = max(int(speech.sum()), 1)
        rate = (missed + confused + false_alarm) / total
        if rate < best[0]:
            best = (rate, confused / total)
    return best


def _word_error(utterances: list) -> tuple[float, int, int]:  # type: ignore[type-arg]
    tests = json.loads((PICOVOICE / "test_data.json").read_text())["tests"]
    reference = tests["diarization_tests"][0]["words"]
    ref_words = [w["word"].lower() for w in reference]
    ref_speakers = [w["speaker_tag"] for w in reference]
    heard_words, heard_voices = [], []
    for utterance in utterances:
        for word in utterance.words:
            for token in re.sub(r"[^\w' ]+", " ", word.text.lower()).split():
                heard_words.append(token)
                heard_voices.append(utterance.channel or 0)
    matcher = difflib.SequenceMatcher(a=ref_words, b=heard_words, autojunk=False)
    pairs = [
        (ref_speakers[block.a + k], heard_voices[block.b + k])
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    ]
    speakers = sorted(set(ref_speakers))
    correct = max(
        sum(1 for truth, voice in pairs if mapping[voice] == truth)
        for mapping in itertools.product(speakers, repeat=2)
    )
    return 1 - correct / max(len(pairs), 1), len(pairs), len(ref_words)


if __name__ == "__main__":
    main()
