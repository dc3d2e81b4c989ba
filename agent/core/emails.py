"""Email addresses people type or send us: checked for form, never for deliverability."""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError


def check_email(value: str) -> str:
    """The address in normal form (domain lower-cased); refuses anything that is not one."""
    try:
        # test_environment admits reserved names such as example.test, which pydantic's EmailStr
        # refuses; an on-premise team may well use them, and sending mail is not our job.
        checked = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise PydanticCustomError(
            "value_error", "value is not a valid email address: {reason}", {"reason": str(error)}
        ) from error
    return checked.normalized


EmailAddress = Annotated[str, AfterValidator(check_email)]
