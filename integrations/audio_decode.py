"""Streaming audio decoding: 16 kHz float32 windows, never the whole recording in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from agent.core.ports import AudioDecodeError

if TYPE_CHECKING:
    # PyAV (FFmpeg) takes a fifth of a second to import; it loads when a file is first opened.
    import av

SAMPLE_RATE = 16_000
# Channels this correlated, at the best shift up to MAX_LAG, are one signal recorded twice (a
# mono call saved as stereo, perhaps through two paths), not two speakers. Two sides of a real
# call correlate near 0, and crosstalk of one side into the other stays far below this.
DUPLICATE_CORRELATION = 0.9
MAX_LAG = SAMPLE_RATE // 20
CORRELATION_BLOCK = SAMPLE_RATE * 10
# A file that decodes to less than this share of the duration its header declares is truncated.
TRUNCATION_SHARE = 0.9
TRUNCATION_GRACE_S = 1.0
# Windows end at the quietest 100 ms found in the last SEARCH seconds, so no word is cut in two.
WINDOW_S = 300.0
SEARCH_S = 20.0
FRAME = SAMPLE_RATE // 10
ADVICE = "upload it again as WAV, MP3, FLAC, OGG or M4A"


@dataclass(frozen=True)
class AudioProbe:
    """What one pass over the audio found out, before any speech recognition."""

    channels: int
    duration_s: float
    declared_s: float | None
    # Stereo files: how alike the two channels are (1.0: the same signal twice).
    channel_correlation: float | None = None
    # The decoded samples (channels, n) when asked to keep a recording this short.
    samples: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def stereo_heard_as_mono(self) -> bool:
        return self.channel_correlation is not None and self.channels == 1


def probe(path: Path, keep_s: float = 0.0) -> AudioProbe:
    """Decode the whole file once, in small pieces, to learn its true length and channels.

    Raises ``AudioDecodeError`` for files that cannot be decoded, hold no audio, or are
    truncated (much shorter than their header says). Stereo whose two channels carry the same
    signal, perhaps shifted by a few milliseconds, counts as one channel. A recording no longer
    than ``keep_s`` keeps its samples, so it need not be decoded a second time.
    """
    with _opened(path) as (container, stream):
        declared = _declared_duration(container, stream)
        stereo = int(stream.codec_context.channels) >= 2
        samples = 0
        likeness = ChannelLikeness()
        kept: list[np.ndarray] | None = [] if keep_s > 0 else None
        for chunk in _chunks(container, stream, stereo):
            samples += chunk.shape[1]
            if stereo:
                likeness.add(chunk)
            if kept is not None and samples <= keep_s * SAMPLE_RATE:
                kept.append(chunk)
            else:
                kept = None
    duration = samples / SAMPLE_RATE
    _check_complete(duration, declared)
    _check_riff_size(path)
    decoded = np.concatenate(kept, axis=1) if kept else None
    if not stereo:
        return AudioProbe(1, duration, declared, samples=decoded)
    correlation = likeness.correlation()
    channels = 1 if correlation >= DUPLICATE_CORRELATION else 2
    if channels == 1 and decoded is not None:
        # As FFmpeg mixes stereo down to mono (each side at -3 dB), so both paths hear the same.
        decoded = decoded.sum(axis=0, keepdims=True) * np.float32(np.sqrt(0.5))
    return AudioProbe(
        channels, duration, declared, channel_correlation=round(correlation, 4), samples=decoded
    )


class ChannelLikeness:
    """The normalised cross-correlation of two channels at their best shift, fed in pieces.

    Kept in blocks of ten seconds, each correlated through the FFT at shifts up to MAX_LAG
    (zero-padded, so no shift wraps around): memory for one block, time n log n.
    """

    def __init__(self) -> None:
        self._pending: list[np.ndarray] = []
        self._pending_n = 0
        self._cross = np.zeros(2 * MAX_LAG + 1)
        self._energy = np.zeros(2)

    def add(self, chunk: np.ndarray) -> None:
        self._pending.append(chunk)
        self._pending_n += chunk.shape[1]
        if self._pending_n >= CORRELATION_BLOCK:
            self._flush()

    def correlation(self) -> float:
        self._flush()
        scale = float(np.sqrt(self._energy[0] * self._energy[1]))
        return float(self._cross.max() / scale) if scale > 0 else 0.0

    def _flush(self) -> None:
        if not self._pending_n:
            return
        block = np.concatenate(self._pending, axis=1).astype(np.float64)
        self._pending, self._pending_n = [], 0
        left, right = block[0], block[1]
        size = 1 << int(np.ceil(np.log2(len(left) + MAX_LAG)))
        spectrum = np.fft.rfft(left, size) * np.conj(np.fft.rfft(right, size))
        circular = np.fft.irfft(spectrum, size)
        # circular[k] sums left[t + k] * right[t]: shifts 0..MAX_LAG, then -MAX_LAG..-1.
        self._cross += np.concatenate((circular[-MAX_LAG:], circular[: MAX_LAG + 1]))
        self._energy += np.square(block).sum(axis=1)


def windows(
    path: Path, channels: int, window_s: float = WINDOW_S, search_s: float = SEARCH_S
) -> Iterator[tuple[float, np.ndarray]]:
    """``(offset_s, samples)`` pieces of the recording, shape ``(channels, n)``, in order."""
    window, search = int(window_s * SAMPLE_RATE), int(search_s * SAMPLE_RATE)
    offset = 0
    pending: list[np.ndarray] = []
    pending_n = 0
    with _opened(path) as (container, stream):
        for chunk in _chunks(container, stream, stereo=channels == 2):
            pending.append(chunk)
            pending_n += chunk.shape[1]
            if pending_n < window + search:
                continue
            buffer = np.concatenate(pending, axis=1)
            cut = quiet_cut(buffer, window, window + search)
            yield offset / SAMPLE_RATE, np.ascontiguousarray(buffer[:, :cut])
            offset += cut
            pending, pending_n = [buffer[:, cut:]], buffer.shape[1] - cut
    if pending_n:
        yield offset / SAMPLE_RATE, np.concatenate(pending, axis=1)


def quiet_cut(samples: np.ndarray, low: int, high: int) -> int:
    """The sample index at the middle of the quietest 100 ms frame between ``low`` and ``high``."""
    span = samples[:, low:high]
    frames = span.shape[1] // FRAME
    if frames == 0:
        return int(min(high, samples.shape[1]))
    energy = np.square(span[:, : frames * FRAME]).reshape(span.shape[0], frames, FRAME).sum((0, 2))
    return int(low + int(np.argmin(energy)) * FRAME + FRAME // 2)


class _opened:
    """``with _opened(path) as (container, stream)``: the file's first audio stream."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._container: av.container.InputContainer | None = None

    def __enter__(self) -> tuple[av.container.InputContainer, av.audio.stream.AudioStream]:
        import av

        try:
            self._container = av.open(str(self._path), metadata_errors="ignore")
        except (av.FFmpegError, OSError, ValueError) as error:
            raise _decode_error(error) from error
        if not self._container.streams.audio:
            self._container.close()
            raise AudioDecodeError(
                "the file has no audio track (a video or data file without sound?); " + ADVICE
            )
        return self._container, self._container.streams.audio[0]

    def __exit__(self, *_: object) -> None:
        if self._container is not None:
            self._container.close()


def _chunks(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream, stereo: bool
) -> Iterator[np.ndarray]:
    import av

    resampler = av.AudioResampler(
        format="flt", layout="stereo" if stereo else "mono", rate=SAMPLE_RATE
    )
    channels = 2 if stereo else 1
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield _planes(out, channels)
        for out in resampler.resample(None):
            yield _planes(out, channels)
    except (av.FFmpegError, ValueError, OSError) as error:
        raise _decode_error(error) from error


def _planes(frame: av.AudioFrame, channels: int) -> np.ndarray:
    packed = frame.to_ndarray().reshape(-1)
    return packed.reshape(-1, channels).T.copy()


def _declared_duration(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        from av import time_base

        return container.duration / time_base
    return None


def _check_complete(duration: float, declared: float | None) -> None:
    if duration <= 0:
        raise AudioDecodeError("the file holds no audio samples (empty or corrupt); " + ADVICE)
    if declared and duration < declared * TRUNCATION_SHARE - TRUNCATION_GRACE_S:
        raise AudioDecodeError(
            f"the recording is truncated: its header says {declared:.1f} s but only "
            f"{duration:.1f} s could be decoded (an interrupted upload or copy?); "
            "upload the complete file"
        )


def _check_riff_size(path: Path) -> None:
    """WAV decoders guess the length from the file size, so compare it with the header's."""
    with path.open("rb") as file:
        head = file.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    declared = int.from_bytes(head[4:8], "little") + 8
    actual = path.stat().st_size
    if declared not in (8, 0xFFFFFFFF + 8) and actual < declared * TRUNCATION_SHARE:
        raise AudioDecodeError(
            f"the recording is truncated: its header announces {declared} bytes but the file "
            f"has {actual} (an interrupted upload or copy?); upload the complete file"
        )


def _decode_error(error: Exception) -> AudioDecodeError:
    # FFmpeg's own message names the stored file's path, which is ours, not the uploader's.
    detail = getattr(error, "strerror", None) or str(error)
    return AudioDecodeError(f"the recording could not be decoded as audio ({detail}); {ADVICE}")
