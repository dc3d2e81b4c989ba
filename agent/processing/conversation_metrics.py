"""Conversation metrics: pure functions of the speaker-labelled utterances of one call."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from agent.core.domain import Speaker, Utterance

Interval = tuple[float, float]
# Overlaps shorter than this are timing noise or a breath, not someone cutting in.
MIN_INTERRUPTION_S = 0.2
# A silence this long ends a monologue even when the same side speaks next.
MONOLOGUE_PAUSE_S = 3.0
QUESTION_MARKS = ("?", "\uff1f")  # ASCII and full-width (Japanese, Chinese)


def conversation_metrics(
    utterances: Sequence[Utterance], duration_s: float, stereo: bool
) -> dict[str, Any]:
    """Talk ratio, monologues, interruptions, questions, silence and speech rate of a call.

    Times are seconds. Per-side figures are keyed by speaker (``agent``, ``customer``, or
    ``unknown`` on mono). Interruptions and overlap need one channel per side, so on mono
    they are None rather than a guess.
    """
    sides = sorted({u.speaker for u in utterances}, key=lambda s: s.value)
    talk = {side: union_length(_spans(utterances, side)) for side in sides}
    total_talk = sum(talk.values())
    speech = union_length(_spans(utterances, None))
    longest = {side: longest_monologue(utterances, side) for side in sides}
    return {
        "talk_time_s": {s.value: round(t, 2) for s, t in talk.items()},
        "talk_ratio": {s.value: _share(t, total_talk) for s, t in talk.items()},
        "longest_monologue_s": {s.value: round(m, 2) for s, m in longest.items()},
        "longest_customer_story_s": round(longest[Speaker.CUSTOMER], 2)
        if Speaker.CUSTOMER in longest
        else None,
        "interruptions": interruptions(utterances) if stereo else None,
        "overlap_s": round(overlap(utterances), 2) if stereo else None,
        "questions": {s.value: questions(utterances, s) for s in sides},
        "silence_share": _share(max(duration_s - speech, 0.0), duration_s),
        "speech_rate_wpm": {s.value: speech_rate(utterances, s, talk[s]) for s in sides},
    }


def union_length(spans: Iterable[Interval]) -> float:
    """Seconds covered by at least one of ``spans``."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def longest_monologue(utterances: Sequence[Utterance], side: Speaker) -> float:
    """The most talk ``side`` gives in one run, before someone else speaks or a long pause.

    Counted as talk time within the run, so no monologue is longer than the side's talk time;
    on mono with one voice heard, the pause is what ends a run.
    """
    longest = 0.0
    for run in _runs(sorted(utterances, key=lambda u: (u.start, u.end))):
        if run[0].speaker is side:
            longest = max(longest, union_length(_spans(run, None)))
    return longest


def _runs(ordered: list[Utterance]) -> Iterable[list[Utterance]]:
    run: list[Utterance] = []
    for utterance in ordered:
        if run and (
            utterance.speaker is not run[0].speaker
            or utterance.start - max(u.end for u in run) > MONOLOGUE_PAUSE_S
        ):
            yield run
            run = []
        run.append(utterance)
    if run:
        yield run


def interruptions(utterances: Sequence[Utterance]) -> dict[str, int]:
    """Per side, how often it started speaking while the other side was still speaking."""
    counts: dict[str, int] = {}
    for u in utterances:
        counts.setdefault(u.speaker.value, 0)
        if any(
            other.speaker is not u.speaker
            and other.start < u.start <= other.end - MIN_INTERRUPTION_S
            for other in utterances
        ):
            counts[u.speaker.value] += 1
    return counts


def overlap(utterances: Sequence[Utterance]) -> float:
    """Seconds in which two sides speak at once."""
    sides = {u.speaker for u in utterances}
    each = sum(union_length(_spans(utterances, side)) for side in sides)
    return each - union_length(_spans(utterances, None))


def questions(utterances: Sequence[Utterance], side: Speaker) -> int:
    return sum(
        u.text.count(mark) for u in utterances if u.speaker is side for mark in QUESTION_MARKS
    )


def speech_rate(utterances: Sequence[Utterance], side: Speaker, talk_s: float) -> float | None:
    """Words per minute of talk; None when the side did not talk."""
    if talk_s <= 0:
        return None
    words = sum(len(u.words) or len(u.text.split()) for u in utterances if u.speaker is side)
    return round(words / (talk_s / 60), 1)


def _spans(utterances: Sequence[Utterance], side: Speaker | None) -> list[Interval]:
    return [(u.start, u.end) for u in utterances if side is None or u.speaker is side]


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole > 0 else 0.0
