"""One error hierarchy: every error a person may see carries its HTTP status and a message for them.

The API maps ``CallsightError`` to JSON once and the web pages map it to an HTML page once;
nothing else turns domain errors into HTTP answers.
"""

from __future__ import annotations

from typing import ClassVar


class CallsightError(Exception):
    """An error with a message written for the person who caused or can fix it."""

    status_code: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(CallsightError):
    """The request is well-formed but asks for something that cannot be done as given."""

    status_code = 422


class NotFound(CallsightError):
    status_code = 404


class Forbidden(CallsightError):
    status_code = 403


class Conflict(CallsightError):
    """The thing exists but is not in a state that allows the request."""

    status_code = 409
