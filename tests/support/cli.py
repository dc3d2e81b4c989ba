"""Running the ``callsight`` command as a user runs it, against a test's settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from agent.core.settings import Settings


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
