"""Where the repository and its sample recording (made by the project itself) live."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CALL = REPO / "examples" / "support-call.flac"
SAMPLE_SCRIPT = REPO / "examples" / "support-call.script.json"
