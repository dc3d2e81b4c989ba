"""Utterance edges moved onto the sound: Whisper stretches a turn's last word into the silence."""

from __future__ import annotations

import dataclasses

import numpy as np

from agent.core.domain import Utterance, Word

SAMPLE_RATE = 16_000
FRAME = SAMPLE_RATE // 50  # 20 ms
# A frame is sound when it is well above the channel's quiet floor and not far below its peak.
FLOOR_PERCENTILE = 20
FLOOR_FACTOR = 4.0
PEAK_SHARE = 0.02
MIN_WORD_S = 0.05


def trim_to_sound(
    utterances: list[Utterance], samples: np.ndarray, offset: float
) -> list[Utterance]:
    """Each utterance with its first word starting and its last word ending where sound does.

    Metrics that compare the two sides' turns (interruptions, overlap, talk time) otherwise count
    a word's made-up tail as speech. ``samples`` is the channel the utterances came from,
    starting ``offset`` seconds into the call.
    """
    loud = _loud_frames(samples)
    if loud is None:
        return utterances
    return [_trimmed(u, loud, offset) for u in utterances]


def _loud_frames(samples: np.ndarray) -> np.ndarray | None:
    frames = len(samples) // FRAME
    if frames == 0:
        return None
    rms = np.sqrt(np.square(samples[: frames * FRAME]).reshape(frames, FRAME).mean(axis=1))
    peak = float(rms.max())
    if peak == 0.0:
        return None
    floor = float(np.percentile(rms, FLOOR_PERCENTILE))
    threshold = max(floor * FLOOR_FACTOR, peak * PEAK_SHARE)
    loud: np.ndarray = rms > threshold
    return loud


def _trimmed(utterance: Utterance, loud: np.ndarray, offset: float) -> Utterance:
    if not utterance.words:
        return utterance
    first, last = utterance.words[0], utterance.words[-1]
    start = _first_sound(loud, first.start - offset, first.end - offset)
    end = _last_sound(loud, last.start - offset, last.end - offset)
    new_first = (
        dataclasses.replace(
            first, start=round(offset + min(start, first.end - offset - MIN_WORD_S), 3)
        )
        if start is not None
        else first
    )
    new_last = (
        dataclasses.replace(last, end=round(offset + max(end, last.start - offset + MIN_WORD_S), 3))
        if end is not None
        else last
    )
    words = _with_edges(utterance.words, new_first, new_last)
    return dataclasses.replace(utterance, start=words[0].start, end=words[-1].end, words=words)


def _with_edges(words: tuple[Word, ...], first: Word, last: Word) -> tuple[Word, ...]:
    if len(words) == 1:
        return (dataclasses.replace(first, end=last.end),)
    return (first, *words[1:-1], last)


def _first_sound(loud: np.ndarray, start_s: float, end_s: float) -> float | None:
    low, high = _frame_range(loud, start_s, end_s)
    hits = np.flatnonzero(loud[low:high])
    return (low + int(hits[0])) * FRAME / SAMPLE_RATE if len(hits) else None


def _last_sound(loud: np.ndarray, start_s: float, end_s: float) -> float | None:
    low, high = _frame_range(loud, start_s, end_s)
    hits = np.flatnonzero(loud[low:high])
    return (low + int(hits[-1]) + 1) * FRAME / SAMPLE_RATE if len(hits) else None


def _frame_range(loud: np.ndarray, start_s: float, end_s: float) -> tuple[int, int]:
    low = max(int(start_s * SAMPLE_RATE) // FRAME, 0)
    high = min(int(np.ceil(end_s * SAMPLE_RATE / FRAME)), len(loud))
    return low, max(high, low)
