"""Audio made by the tests: tones, WAV files, and other codecs through PyAV."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 16_000


def write_wav(path: Path, channels: list[np.ndarray], rate: int = RATE) -> Path:
    """16-bit PCM WAV from float arrays in [-1, 1], one per channel, all the same length."""
    frames = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    pcm = (np.clip(frames, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def tone(seconds: float, freq: float = 440.0, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode_audio(
    path: Path,
    channels: list[np.ndarray],
    codec: str,
    rate: int = RATE,
    container: str | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode float arrays (one per channel) with PyAV's ``codec`` into ``path``."""
    import av

    layout = "stereo" if len(channels) == 2 else "mono"
    planar = np.stack(channels).astype(np.float32)
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout, options=options or {})
        for start in range(0, planar.shape[1], 4096):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(planar[:, start : start + 4096]), format="fltp", layout=layout
            )
            frame.rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
