"""The upload's multipart form, described for the OpenAPI schema.

The upload route reads the request stream itself (the recording never sits in memory), so
FastAPI cannot see its fields; this describes them from ``CallMetadata``, the one place they
are defined, so clients and schemathesis know what to send.
"""

from __future__ import annotations

import enum
import typing
from typing import Any

from annotated_types import MaxLen
from pydantic.fields import FieldInfo

from agent.calls.service import CallMetadata
from agent.core.moments import EventTime
from api.uploads.multipart import FILE_FIELD, HOW_TO_SEND


def upload_request_body() -> dict[str, Any]:
    """``openapi_extra`` for the upload route: a multipart form with a required file."""
    fields = {name: _form_field(info) for name, info in CallMetadata.model_fields.items()}
    recording = {"type": "string", "format": "binary", "description": "The recording."}
    form = {
        "type": "object",
        "required": [FILE_FIELD],
        "properties": {FILE_FIELD: recording, **fields},
    }
    return {
        "requestBody": {
            "required": True,
            "description": HOW_TO_SEND,
            "content": {"multipart/form-data": {"schema": form}},
        }
    }


def _form_field(info: FieldInfo) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "string"}
    choices = _enum_of(info.annotation)
    if choices:
        field["enum"] = [choice.value for choice in choices]
    if info.annotation == EventTime | None:
        field["format"] = "date-time"
    for limit in info.metadata:
        if isinstance(limit, MaxLen):
            field["maxLength"] = limit.max_length
    if info.description:
        field["description"] = info.description
    return field


def _enum_of(annotation: Any) -> type[enum.Enum] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return candidate
    return None
