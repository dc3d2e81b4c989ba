"""A short recording is decoded once: the probe's samples are what the windows would give."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from integrations.audio_decode import probe, windows
from support.audio import tone, write_wav
from support.samples import SAMPLE_CALL


def test_a_short_stereo_call_keeps_exactly_the_samples_its_windows_hold() -> None:
    found = probe(SAMPLE_CALL, keep_s=400.0)
    assert found.samples is not None and found.samples.shape[0] == 2
    (offset, whole), *rest = list(windows(SAMPLE_CALL, 2))
    assert offset == 0.0 and rest == []
    assert np.array_equal(found.samples, whole)


def test_a_recording_longer_than_asked_keeps_nothing() -> None:
    assert probe(SAMPLE_CALL, keep_s=60.0).samples is None
    assert probe(SAMPLE_CALL).samples is None


def test_one_signal_on_both_channels_is_kept_as_one_channel(tmp_path: Path) -> None:
    signal = tone(2.0)
    found = probe(write_wav(tmp_path / "twice.wav", [signal, signal]), keep_s=10.0)
    assert found.channels == 1
    assert found.samples is not None and found.samples.shape == (1, len(signal))
    (_, mono), *_ = list(windows(tmp_path / "twice.wav", 1))
    assert np.allclose(found.samples, mono, atol=1e-3)
