"""Two voices told apart on mono recordings of real speech; one voice stays one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from faster_whisper import decode_audio

from agent.core.domain import Speaker, TranscribeOptions
from integrations.bundled_models import tiny_en_path
from integrations.faster_whisper_asr import FasterWhisperTranscriber
from support.audio import write_wav
from support.recordings import shared_recording

pytestmark = pytest.mark.slow

AGENT = "aws-lca-call-recordings/Auto_Repairs_49_UTC_agent.wav"
CALLER = "aws-lca-call-recordings/Auto_Repairs_49_UTC_caller.wav"
JFK = "faster-whisper-tests-data/jfk.flac"
SECONDS = 120


@pytest.fixture(scope="module")
def transcriber() -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber(str(tiny_en_path()), language="en")


def _louder_side(agent: np.ndarray, caller: np.ndarray, start: float, end: float) -> int:
    span = slice(int(start * 16000), max(int(end * 16000), int(start * 16000) + 1))
    return 0 if np.abs(agent[span]).mean() >= np.abs(caller[span]).mean() else 1


def test_a_real_call_mixed_to_mono_gets_its_two_sides_back(
    transcriber: FasterWhisperTranscriber, tmp_path: Path
) -> None:
    agent = decode_audio(str(shared_recording(AGENT)))[: 16000 * SECONDS]
    caller = decode_audio(str(shared_recording(CALLER)))[: 16000 * SECONDS]
    mono = write_wav(tmp_path / "mono.wav", [np.clip(agent + caller, -1, 1)])
    transcript = transcriber.transcribe(mono, TranscribeOptions())
    assert transcript.voices == 2
    truth, found = [], []
    for utterance in transcript.utterances:
        for word in utterance.words:
            truth.append(_louder_side(agent, caller, word.start, word.end))
            found.append(utterance.channel)
    agreement = np.mean(np.array(truth) == np.array(found))
    assert max(agreement, 1 - agreement) >= 0.85, f"voices agree with the sides on {agreement:.0%}"


def test_one_speaker_is_one_voice(transcriber: FasterWhisperTranscriber, tmp_path: Path) -> None:
    voice = decode_audio(str(shared_recording(JFK)))
    transcript = transcriber.transcribe(
        write_wav(tmp_path / "jfk-mono.wav", [voice]), TranscribeOptions()
    )
    assert transcript.voices == 1
    assert {u.speaker for u in transcript.utterances} == {Speaker.UNKNOWN}
