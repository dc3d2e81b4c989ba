"""Running the ``callsight`` command as a user runs it, against a test's settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import trustme

from agent.core.settings import Settings
from support.salesforce_emulator import SalesforceEmulator


def callsight(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CALLSIGHT_DATA_DIR": str(settings.data_dir),
        "CALLSIGHT_DATABASE_URL": settings.database_url,
        "CALLSIGHT_BUSINESS_TIMEZONE": settings.business_timezone,
    }
    executable = shutil.which("callsight", path=str(Path(sys.executable).parent))
    command = [executable] if executable else [sys.executable, "-m", "api"]
    return subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def salesforce_env(
    database_url: str, tmp_path: Path, org: SalesforceEmulator, ca: trustme.CA
) -> dict[str, str]:
    """The environment of a ``callsight`` command run in-process against the emulator."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return {
        "CALLSIGHT_DATA_DIR": str(tmp_path / "data"),
        "CALLSIGHT_DATABASE_URL": database_url,
        "CALLSIGHT_CRM": "salesforce",
        "CALLSIGHT_SALESFORCE_LOGIN_URL": org.url,
        "CALLSIGHT_SALESFORCE_CLIENT_ID": org.client_id,
        "CALLSIGHT_SALESFORCE_CLIENT_SECRET": org.client_secret,
        "CALLSIGHT_SALESFORCE_CA_BUNDLE": str(bundle),
    }
