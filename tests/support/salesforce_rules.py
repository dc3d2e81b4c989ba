"""What a Salesforce org refuses in a record write, with the error codes and messages it uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from support.salesforce_objects import FieldSpec


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str
    fields: tuple[str, ...]

    def as_json(self, code_key: str = "errorCode") -> dict[str, Any]:
        return {code_key: self.code, "message": self.message, "fields": list(self.fields)}


def check_write(
    sobject: str, schema: Mapping[str, FieldSpec], fields: Mapping[str, Any], creating: bool
) -> list[FieldError]:
    """Every reason the org refuses to create (or update) a record with ``fields``."""
    unknown = [name for name in fields if name not in schema]
    if unknown:
        return [
            FieldError(
                "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}", (name,)
            )
            for name in unknown
        ]
    errors = _not_writable(schema, fields, creating)
    errors += _missing(schema, fields, creating)
    for name, value in fields.items():
        errors += _bad_value(schema[name], value)
    return errors


def _not_writable(
    schema: Mapping[str, FieldSpec], fields: Mapping[str, Any], creating: bool
) -> list[FieldError]:
    refused = [
        name
        for name in fields
        if not (schema[name].createable if creating else schema[name].updateable)
    ]
    if not refused:
        return []
    message = (
        f"Unable to create/update fields: {', '.join(refused)}. Please check the security "
        "settings of this field and verify that it is read/write for your profile or "
        "permission set."
    )
    return [FieldError("INVALID_FIELD_FOR_INSERT_UPDATE", message, tuple(refused))]


def _missing(
    schema: Mapping[str, FieldSpec], fields: Mapping[str, Any], creating: bool
) -> list[FieldError]:
    missing = [
        name for name, value in fields.items() if value is None and not schema[name].nillable
    ]
    if creating:
        missing += [
            spec.name
            for spec in schema.values()
            if spec.required_on_create and spec.name not in fields
        ]
    if not missing:
        return []
    message = f"Required fields are missing: [{', '.join(missing)}]"
    return [FieldError("REQUIRED_FIELD_MISSING", message, tuple(missing))]


def _bad_value(spec: FieldSpec, value: Any) -> list[FieldError]:
    if value is None:
        return []
    if spec.is_text and spec.length and len(str(value)) > spec.length:
        shown = str(value)[:40]
        message = f"{spec.name}: data value too large: {shown}... (max length={spec.length})"
        return [FieldError("STRING_TOO_LONG", message, (spec.name,))]
    too_big = 10 ** (spec.precision - spec.scale)
    if spec.precision and isinstance(value, int | float) and abs(value) >= too_big:
        message = f"{spec.name}: value outside of valid range on numeric field: {value}"
        return [FieldError("NUMBER_OUTSIDE_VALID_RANGE", message, (spec.name,))]
    if spec.type == "picklist" and spec.restricted and value not in spec.picklist:
        message = f"{spec.name}: bad value for restricted picklist field: {value}"
        return [FieldError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, (spec.name,))]
    return []


def defaults(
    schema: Mapping[str, FieldSpec], fields: Mapping[str, Any], owner_id: str
) -> dict[str, Any]:
    """The values Salesforce fills in on create for fields the request left out."""
    filled: dict[str, Any] = {}
    for spec in schema.values():
        if not spec.defaulted_on_create or spec.name in fields:
            continue
        if spec.name == "OwnerId":
            filled[spec.name] = owner_id
        elif spec.type == "picklist":
            filled[spec.name] = spec.default_value
        elif spec.type == "boolean":
            filled[spec.name] = spec.name == "IsActive"
    return filled
