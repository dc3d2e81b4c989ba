"""One error hierarchy: every error a person may see carries its HTTP status and a message for them.

The API maps ``CallsightError`` to JSON once (``api/errors.py``) and the web pages map it to an
HTML page once (``api/web/app.py``); nothing else turns domain errors into HTTP answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class CallsightError(Exception):
    """An error with a message written for the person who caused or can fix it."""

    status_code: ClassVar[int] = 400
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(CallsightError):
    """The request itself is malformed (not JSON, not a form, not the expected XML)."""

    status_code = 400


class Unauthorized(CallsightError):
    """Who is asking is unknown: a missing or wrong key, token or signature."""

    status_code = 401


class Forbidden(CallsightError):
    status_code = 403


class NotFound(CallsightError):
    status_code = 404


class Conflict(CallsightError):
    """The thing exists but is not in a state that allows the request."""

    status_code = 409


class Gone(CallsightError):
    """The thing existed but is no longer kept."""

    status_code = 410


class PayloadTooLarge(CallsightError):
    status_code = 413


class UnsupportedMedia(CallsightError):
    status_code = 415


class InvalidInput(CallsightError):
    """The request is well-formed but asks for something that cannot be done as given."""

    status_code = 422


class Unavailable(CallsightError):
    """Something the service needs (the database) does not answer now."""

    status_code = 503
