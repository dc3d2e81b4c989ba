"""Real human recordings from the shared data folder, read in place (never copied in).

Found in ``CALLSIGHT_SHARED_DATA``, else ``../shared/data`` beside the repository, else
``/work/shared/data``. Without them a test is skipped, unless ``CALLSIGHT_REQUIRE_SHARED_DATA=1``
(as in CI), where it fails.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    os.environ.get("CALLSIGHT_SHARED_DATA", ""),
    str(_REPO.parent / "shared" / "data"),
    "/work/shared/data",
)


def shared_recording(relative: str) -> Path:
    """The path of ``relative`` inside the shared data folder (skips or fails when absent)."""
    for root in filter(None, _CANDIDATES):
        path = Path(root) / relative
        if path.is_file():
            return path
    reason = f"shared recording {relative} not found (set CALLSIGHT_SHARED_DATA)"
    if os.environ.get("CALLSIGHT_REQUIRE_SHARED_DATA") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over letters and digits (NFKC-folded), over the reference length."""

    def letters(text: str) -> list[str]:
        return [c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum()]

    ref, hyp = letters(reference), letters(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, expected in enumerate(ref, start=1):
        diagonal, row[0] = row[0], i
        for j, heard in enumerate(hyp, start=1):
            substitution = diagonal + (expected != heard)
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, substitution)
    return row[-1] / max(len(ref), 1)
