"""The one place a ``CallsightError`` becomes a JSON answer: ``{"detail": message}``, the same
shape FastAPI gives its own HTTP errors, with the error's status and headers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agent.core.errors import CallsightError


def error_json(error: CallsightError) -> JSONResponse:
    """The JSON answer for ``error``."""
    return JSONResponse(
        {"detail": error.message}, error.status_code, headers=dict(error.response_headers()) or None
    )


async def callsight_error_handler(_request: Request, error: CallsightError) -> JSONResponse:
    return error_json(error)


def install_error_json(app: FastAPI) -> None:
    """Answer every CallsightError that reaches the app as JSON (the pages override it)."""
    app.add_exception_handler(CallsightError, callsight_error_handler)  # type: ignore[arg-type]
