"""Browser libraries served from the Python packages that ship them, never from a CDN."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)

PLOTLY_PATH = "/vendor/plotly.min.js"
# Pages ask for the file with the installed version in the query, so an upgrade is a new URL
# and browsers may keep each version for a year without asking again.
LONG_CACHE = "public, max-age=31536000, immutable"


@cache
def plotly_js() -> Path:
    """plotly.js as the ``plotly`` package installs it."""
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


@cache
def plotly_url() -> str:
    return f"{PLOTLY_PATH}?v={version('plotly')}"


@router.get(PLOTLY_PATH)
def plotly() -> FileResponse:
    return FileResponse(
        plotly_js(), media_type="text/javascript", headers={"Cache-Control": LONG_CACHE}
    )
