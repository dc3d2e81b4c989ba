"""The layering contracts in pyproject.toml hold: the suite runs ``lint-imports`` as CI does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    # The console script's own code, run by this interpreter: no reliance on PATH or a venv layout.
    code = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_layering_contract_is_kept() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_cover_agent_integrations_and_api() -> None:
    result = lint_imports("--verbose")
    for contract in (
        "agent uses neither",
        "integrations use only agent's domain types, ports",
        "agent.core imports no other agent package",
    ):
        assert contract in " ".join(result.stdout.split()), result.stdout
