"""A tiny inline SVG line of a score's history, drawn on the server (no script, no library)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, MARGIN = 96, 28, 2


@dataclass(frozen=True)
class Sparkline:
    """Polyline runs (a gap where a score is unknown) and the last known point, in SVG units."""

    runs: list[str]
    last: tuple[float, float] | None
    width: int = WIDTH
    height: int = HEIGHT


def sparkline(scores: Sequence[float | None], top: float = 100.0) -> Sparkline:
    """The line of ``scores`` (oldest first) from 0 at the bottom to ``top`` at the top."""
    step = (WIDTH - 2 * MARGIN) / max(1, len(scores) - 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(scores):
        if value is None:
            runs.append([])
            continue
        y = MARGIN + (HEIGHT - 2 * MARGIN) * (1 - min(max(value, 0.0), top) / top)
        runs[-1].append((round(MARGIN + index * step, 1), round(y, 1)))
    drawn = [run for run in runs if run]
    return Sparkline(
        runs=[" ".join(f"{x},{y}" for x, y in run) for run in drawn],
        last=drawn[-1][-1] if drawn else None,
    )
