"""The error answers each route documents in the OpenAPI schema, in one place.

Every error Callsight raises itself is ``{"detail": "<message>"}`` (``ErrorMessage``), whatever
its status. A 422 comes in two shapes: FastAPI's own, a list of problems, when a parameter or
body does not match its declared type; and Callsight's message, when the request is well-typed
but asks for something that cannot be done (``InvalidInput``). Clients tell them apart by the
type of ``detail``; docs/decisions.md ("Issue 13") says why both are kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorMessage(BaseModel):
    """An error with one message for the person who can act on it."""

    detail: str = Field(description="What went wrong, and what to do about it.")


class FieldProblem(BaseModel):
    """One parameter or body field that does not match its declared type."""

    loc: list[str | int] = Field(description="Where: 'query', 'path', 'body', then the names.")
    msg: str
    type: str


class FieldProblems(BaseModel):
    """FastAPI's answer to a request that does not match the declared types."""

    detail: list[FieldProblem]


DESCRIPTIONS = {
    400: "The request is malformed (not the form, JSON or XML expected)",
    401: "No valid API key, token or signature",
    403: "The key's role may not do this",
    404: "No such thing, or not one this key may see",
    409: "The thing is not in a state that allows this, or the request repeats an earlier one",
    410: "The thing existed but is no longer kept",
    413: "The body is larger than the limit",
    415: "The upload is not audio",
    422: "A parameter or field is invalid: a list of problems (types) or one message",
    429: "Too many failed key checks from this address or for this key, or too many uploads "
    "by this key; Retry-After gives the seconds to wait",
    503: "The database does not answer",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that may answer with these error ``codes``."""
    return {code: _documented(code) for code in codes}


def _documented(code: int) -> dict[str, Any]:
    model: Any = FieldProblems | ErrorMessage if code == 422 else ErrorMessage
    return {"model": model, "description": DESCRIPTIONS[code]}
