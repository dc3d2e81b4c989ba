"""One error hierarchy: every error a person may see carries its HTTP status and a message for them.

The API maps ``CallsightError`` to JSON once (``api/errors.py``) and the web pages map it to an
HTML page once (``api/web/app.py``); nothing else turns domain errors into HTTP answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar


class CallsightError(Exception):
    """An error with a message written for the person who caused or can fix it."""

    status_code: ClassVar[int] = 400
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response_headers(self) -> Mapping[str, str]:
        """The headers the answer carries: the class's, or this error's own."""
        return self.headers


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


def validation_problems(errors: Iterable[Mapping[str, Any]], whole: str = "") -> str:
    """Pydantic's errors as one line, ``field: message; ...``, without its "Value error, "
    prefix on the messages our own validators wrote."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or whole}: "
        f"{str(e['msg']).removeprefix('Value error, ')}".removeprefix(": ")
        for e in errors
    )


class TooManyRequests(CallsightError):
    """The client asked too often; ``Retry-After`` says in how many seconds it may again."""

    status_code = 429
    retry_after_s = 60

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def response_headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class Unavailable(CallsightError):
    """Something the service needs (the database) does not answer now."""

    status_code = 503
