"""Fitting a record's fields to the org's own: only what may be written, text cut to length with
a visible marker, picklist values spelt as the org spells them."""

from __future__ import annotations

from integrations.salesforce.schema import FieldInfo, ObjectSchema

TRUNCATED = "… [truncated]"
TRUNCATABLE_TYPES = frozenset({"string", "textarea", "combobox"})
DEFAULT = object()
"""Stands for the picklist's default value among the alternatives below."""

# Values the payloads use, and what an org may call the same thing instead.
ALTERNATIVES: dict[str, tuple[str | object, ...]] = {
    "Not Started": ("Open", "New", DEFAULT),
    "Completed": ("Closed", "Complete", "Done"),
    "Normal": ("Medium", DEFAULT),
    "High": ("Urgent", "Critical"),
    "Working": ("In Progress", "Open"),
    "Closed": ("Resolved", "Solved", "Completed"),
}


class FieldRefused(Exception):
    """A record the org cannot take as it is; the message names the field and what to do."""


def fit(schema: ObjectSchema, fields: dict[str, object], creating: bool) -> dict[str, object]:
    """The fields to send. On an update, fields Salesforce takes on create only are left out.

    Raises FieldRefused for a field the integration user cannot see or set, or a picklist value
    the org lacks.
    """
    fitted: dict[str, object] = {}
    for name, value in fields.items():
        field = schema.fields.get(name)
        if field is None:
            raise FieldRefused(
                f"{schema.name}.{name} is not a field the integration user can see; "
                "add it to the Callsight permission set"
            )
        if not creating and field.create_only:
            continue
        if not (field.createable if creating else field.updateable):
            raise FieldRefused(
                f"{schema.name}.{name} may not be set by the integration user; "
                "give the Callsight permission set Edit access to it"
            )
        fitted[name] = _value(schema.name, field, value)
    return fitted


def _value(sobject: str, field: FieldInfo, value: object) -> object:
    if not isinstance(value, str):
        return value
    if field.type == "picklist" and field.values:
        return _picklist_value(sobject, field, value)
    if field.type in TRUNCATABLE_TYPES and field.length and len(value) > field.length:
        return truncate(value, field.length)
    return value


def truncate(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters, ending with the marker that says so."""
    if len(text) <= length:
        return text
    return text[: max(length - len(TRUNCATED), 0)] + TRUNCATED[:length]


def _picklist_value(sobject: str, field: FieldInfo, value: str) -> str:
    chosen = org_value(field, value)
    if chosen is not None:
        return chosen
    if not field.restricted:
        return value
    raise FieldRefused(
        f"{sobject}.{field.name}: the org has no picklist value for {value!r} "
        f"(it offers {', '.join(field.values)}); add one in Setup, then retry the call"
    )


def org_value(field: FieldInfo, value: str) -> str | None:
    """The org's spelling of ``value``, or of a value meaning the same; None when it has none."""
    spelt = {known.casefold(): known for known in field.values}
    for candidate in (value, *ALTERNATIVES.get(value, ())):
        if candidate is DEFAULT:
            if field.default is not None:
                return field.default
        elif isinstance(candidate, str) and candidate.casefold() in spelt:
            return spelt[candidate.casefold()]
    return None
