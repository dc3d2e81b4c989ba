"""Every format people upload, encoded here with PyAV, sniffed and decoded by the real code."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from faster_whisper import decode_audio

from agent.calls.intake import sniff_format
from agent.core.domain import TranscribeOptions
from agent.core.ports import AudioDecodeError
from integrations.audio_decode import SAMPLE_RATE, probe, windows
from integrations.bundled_models import tiny_en_path
from integrations.faster_whisper_asr import FasterWhisperTranscriber
from support.audio import encode_audio, write_wav
from support.samples import SAMPLE_CALL

LEFT_HZ, RIGHT_HZ = 440.0, 1000.0


class Case(NamedTuple):
    name: str
    codec: str
    rate: int
    container: str | None
    channels: int
    sniffed: str
    options: dict[str, str] | None = None


CASES = [
    Case("call.wav", "pcm_s16le", 16_000, None, 2, "wav"),
    Case("call-mono.wav", "pcm_s16le", 44_100, None, 1, "wav"),
    Case("call.mp3", "libmp3lame", 44_100, None, 2, "mp3"),
    Case("call-mono.mp3", "libmp3lame", 22_050, None, 1, "mp3"),
    Case("call.m4a", "aac", 44_100, "ipod", 2, "m4a"),
    Case("call.aac", "aac", 16_000, "adts", 1, "aac"),
    Case("call.opus", "libopus", 48_000, "ogg", 2, "ogg"),
    Case("call.ogg", "vorbis", 44_100, "ogg", 2, "ogg", {"strict": "experimental"}),
    Case("call.flac", "flac", 16_000, None, 2, "flac"),
    Case("call.webm", "libopus", 48_000, "webm", 2, "webm"),
    Case("call.mp4", "aac", 44_100, "mp4", 2, "mp4"),
    Case("call.mov", "aac", 48_000, "mov", 2, "mov"),
    Case("telephony-ulaw.wav", "pcm_mulaw", 8_000, None, 1, "wav"),
    Case("telephony-alaw-stereo.wav", "pcm_alaw", 8_000, "wav", 2, "wav"),
]


def two_tones(seconds: float, rate: int, channels: int) -> list[np.ndarray]:
    t = np.arange(int(seconds * rate)) / rate
    return [(0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32) for hz in (LEFT_HZ, RIGHT_HZ)][
        :channels
    ]


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)[np.argmax(spectrum)])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_format_is_sniffed_and_decoded_channel_by_channel(case: Case, tmp_path: Path) -> None:
    path = encode_audio(
        tmp_path / case.name,
        two_tones(3.0, case.rate, case.channels),
        case.codec,
        case.rate,
        case.container,
        case.options,
    )
    assert sniff_format(path.read_bytes()[:65536]) == case.sniffed
    found = probe(path)
    assert found.channels == case.channels
    assert found.duration_s == pytest.approx(3.0, abs=0.1)
    [(offset, samples)] = list(windows(path, found.channels))
    assert offset == 0.0
    assert samples.shape == (case.channels, round(found.duration_s * SAMPLE_RATE))
    middle = samples[:, SAMPLE_RATE : 2 * SAMPLE_RATE]
    expected = [LEFT_HZ, RIGHT_HZ][: case.channels]
    assert [dominant_hz(channel) for channel in middle] == pytest.approx(expected, abs=15.0)


def test_long_audio_comes_in_windows_cut_in_silence(tmp_path: Path) -> None:
    rate = SAMPLE_RATE
    beeps = np.zeros(rate * 50, dtype=np.float32)
    for second in range(0, 50, 2):  # one second of tone, one of silence
        beeps[second * rate : (second + 1) * rate] = 0.3
    path = write_wav(tmp_path / "beeps.wav", [beeps, beeps * 0.5])
    pieces = list(windows(path, 2, window_s=10.0, search_s=4.0))
    assert len(pieces) >= 3
    joined = np.concatenate([samples for _, samples in pieces], axis=1)
    assert joined.shape[1] == len(beeps)
    for offset, samples in pieces[1:]:
        cut = round(offset * rate)
        assert np.abs(joined[:, cut - 800 : cut + 800]).max() < 0.01  # cut where both are silent
        assert samples.shape[1] > 0


def corrupt_cases(tmp_path: Path) -> dict[str, Path]:
    wav = write_wav(tmp_path / "good.wav", two_tones(4.0, SAMPLE_RATE, 2))
    flac = encode_audio(tmp_path / "good.flac", two_tones(4.0, SAMPLE_RATE, 2), "flac")
    m4a = encode_audio(tmp_path / "good.m4a", two_tones(4.0, 44_100, 2), "aac", 44_100, "ipod")
    cases = {
        "truncated.wav": wav.read_bytes()[: wav.stat().st_size // 3],
        "truncated.flac": flac.read_bytes()[: flac.stat().st_size // 3],
        "truncated.m4a": m4a.read_bytes()[: m4a.stat().st_size // 2],
        "garbage.ogg": b"OggS" + bytes(range(256)) * 8,
        "header-only.wav": wav.read_bytes()[:44],
        "noise-after-magic.flac": b"fLaC" + np.random.default_rng(1).bytes(4096),
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    return {name: tmp_path / name for name in cases}


@pytest.mark.parametrize(
    "name",
    [
        "truncated.wav",
        "truncated.flac",
        "truncated.m4a",
        "garbage.ogg",
        "header-only.wav",
        "noise-after-magic.flac",
    ],
)
def test_corrupt_and_truncated_files_raise_a_clear_decode_error(name: str, tmp_path: Path) -> None:
    path = corrupt_cases(tmp_path)[name]
    with pytest.raises(AudioDecodeError) as caught:
        probe(path)
    message = str(caught.value)
    assert any(
        phrase in message for phrase in ("truncated", "could not be decoded", "no audio samples")
    )
    assert str(tmp_path) not in message  # our storage paths are not the uploader's business


def test_a_container_without_an_audio_track_is_refused(tmp_path: Path) -> None:
    import av

    path = tmp_path / "video-only.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(AudioDecodeError, match="no audio track"):
        probe(path)


SPEECH_FORMATS = [
    ("speech.mp3", "libmp3lame", 44_100, None),
    ("speech.m4a", "aac", 44_100, "ipod"),
    ("speech.opus", "libopus", 48_000, "ogg"),
    ("speech.webm", "libopus", 48_000, "webm"),
    ("speech.mov", "aac", 48_000, "mov"),
    ("speech-8k-ulaw.wav", "pcm_mulaw", 8_000, None),
]


@pytest.fixture(scope="module")
def greeting() -> list[np.ndarray]:
    """The sample call's first 7 seconds: the agent's greeting on the left channel."""
    left, right = decode_audio(str(SAMPLE_CALL), split_stereo=True)
    return [left[: SAMPLE_RATE * 7], right[: SAMPLE_RATE * 7]]


def resampled(channels: list[np.ndarray], rate: int) -> list[np.ndarray]:
    positions = np.arange(int(len(channels[0]) * rate / SAMPLE_RATE)) * SAMPLE_RATE / rate
    source = np.arange(len(channels[0]))
    return [np.interp(positions, source, channel).astype(np.float32) for channel in channels]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "codec", "rate", "container"), SPEECH_FORMATS)
def test_speech_in_each_format_is_transcribed(
    name: str,
    codec: str,
    rate: int,
    container: str | None,
    greeting: list[np.ndarray],
    tmp_path: Path,
) -> None:
    channels = greeting if rate != 8_000 else [greeting[0]]  # telephony: mono, 8 kHz
    path = encode_audio(tmp_path / name, resampled(channels, rate), codec, rate, container)
    transcript = FasterWhisperTranscriber(str(tiny_en_path())).transcribe(path, TranscribeOptions())
    text = " ".join(u.text for u in transcript.utterances).lower()
    assert "calling" in text and "help" in text
    assert transcript.channels == len(channels)
