"""Stereo files whose channels carry one voice are heard once; real two-sided calls stay stereo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from faster_whisper import decode_audio

from agent.core.domain import TranscribeOptions
from integrations.audio_decode import probe
from integrations.bundled_models import tiny_en_path
from integrations.faster_whisper_asr import FasterWhisperTranscriber
from support.audio import write_wav
from support.recordings import shared_recording

JFK = "faster-whisper-tests-data/jfk.flac"
AGENT = "aws-lca-call-recordings/Auto_Repairs_49_UTC_agent.wav"
CALLER = "aws-lca-call-recordings/Auto_Repairs_49_UTC_caller.wav"


def test_a_stereo_file_carrying_one_voice_twice_counts_as_mono() -> None:
    found = probe(shared_recording(JFK))
    assert found.channels == 1
    assert found.channel_correlation is not None and found.channel_correlation > 0.99
    assert found.stereo_heard_as_mono


def test_a_copy_shifted_by_ten_ms_quieter_and_noisier_is_still_one_voice(tmp_path: Path) -> None:
    voice = decode_audio(str(shared_recording(JFK)))
    noise = np.random.default_rng(7).normal(0, 0.005, len(voice)).astype(np.float32)
    shifted = np.concatenate([np.zeros(160, np.float32), voice[:-160]]) * 0.5 + noise
    found = probe(write_wav(tmp_path / "shifted.wav", [voice, shifted]))
    assert found.channels == 1


def test_the_two_sides_of_a_real_call_stay_two_channels(tmp_path: Path) -> None:
    agent = decode_audio(str(shared_recording(AGENT)))[: 16000 * 60]
    caller = decode_audio(str(shared_recording(CALLER)))[: 16000 * 60]
    found = probe(write_wav(tmp_path / "call.wav", [agent, caller]))
    assert found.channels == 2
    assert found.channel_correlation is not None and found.channel_correlation < 0.2


def test_a_silent_channel_is_not_a_copy(tmp_path: Path) -> None:
    voice = decode_audio(str(shared_recording(JFK)))
    found = probe(write_wav(tmp_path / "one-sided.wav", [voice, np.zeros_like(voice)]))
    assert found.channels == 2


@pytest.mark.slow
def test_one_voice_on_both_channels_is_transcribed_once() -> None:
    transcriber = FasterWhisperTranscriber(str(tiny_en_path()))
    transcript = transcriber.transcribe(shared_recording(JFK), TranscribeOptions())
    text = " ".join(u.text for u in transcript.utterances).lower()
    assert transcript.channels == 1
    assert text.count("ask not what your country") == 1
    assert transcript.channel_correlation is not None
