"""Start-up loads no adapter library it does not use: checked by module, not by the clock.

Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.auth.keys import Role
from api.cli.main import ROLES

REPO = Path(__file__).resolve().parents[2]
ADAPTER_LIBRARIES = (
    "faster_whisper",
    "ctranslate2",
    "langchain_core",
    "langchain_openai",
    "openai",
    "simple_salesforce",
    "boto3",
)
LLM_AND_SALESFORCE = ("langchain_core", "langchain_openai", "openai", "simple_salesforce")
# What the commands themselves load when they run; `--help` needs none of it.
SERVICE_LIBRARIES = ("sqlalchemy", "sqlmodel", "alembic", "fastapi", "uvicorn", "av")

RUN_CLI = """
import json, sys
from api.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    assert done.code in (0, None), done.code
print(json.dumps(sorted(sys.modules)))
"""

START_APP = """
import json, sys
from fastapi.testclient import TestClient
from api.app import create_app
with TestClient(create_app()) as client:
    assert client.get("/healthz").status_code == 200
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(code: str, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """The top-level names of every module a fresh interpreter holds after running ``code``."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {name.partition(".")[0] for name in json.loads(result.stdout.splitlines()[-1])}


def settings_env(data_dir: Path, **extra: str) -> dict[str, str]:
    # Which libraries load does not depend on the database, so SQLite alone is enough here.
    return {
        "CALLSIGHT_DATA_DIR": str(data_dir),
        "CALLSIGHT_DATABASE_URL": f"sqlite:///{data_dir / 'callsight.db'}",
        **{f"CALLSIGHT_{name.upper()}": value for name, value in extra.items()},
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["process", "--help"],
        ["kpis", "--help"],
        ["engagement", "--help"],
        ["keys", "create", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_no_adapter_and_no_database_library(argv: list[str]) -> None:
    loaded = modules_after(RUN_CLI, *argv)
    assert "click" in loaded
    assert loaded.isdisjoint(ADAPTER_LIBRARIES + SERVICE_LIBRARIES), sorted(
        loaded & set(ADAPTER_LIBRARIES + SERVICE_LIBRARIES)
    )


@pytest.mark.slow
def test_a_started_service_without_llm_or_salesforce_has_loaded_neither(tmp_path: Path) -> None:
    loaded = modules_after(START_APP, env=settings_env(tmp_path))
    assert "fastapi" in loaded
    # faster-whisper too: the model loads with the first call, not with the service.
    assert loaded.isdisjoint(ADAPTER_LIBRARIES), sorted(loaded & set(ADAPTER_LIBRARIES))


@pytest.mark.slow
def test_a_service_with_an_llm_endpoint_loads_langchain_but_not_salesforce(
    tmp_path: Path,
) -> None:
    env = settings_env(tmp_path, llm_base_url="http://127.0.0.1:9/v1")
    loaded = modules_after(START_APP, env=env)
    assert {"langchain_openai", "openai"} <= loaded
    assert "simple_salesforce" not in loaded


def test_the_cli_offers_exactly_the_api_key_roles() -> None:
    assert tuple(role.value for role in Role) == ROLES
