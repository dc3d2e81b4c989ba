"""The rows of a lifecycle and revenue import, as read from CSV and checked cell by cell."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, EmailStr, Field, ValidationInfo, field_validator

from agent.kpis.import_rows import HistoryTime

# Ten-thousandths of the unit, in a signed 64-bit column: room for any real invoice.
MAX_DIGITS = 18
DECIMAL_PLACES = 4


def _iso_4217(code: str) -> str:
    code = code.upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (e.g. EUR, USD, JPY)")
    return code


Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_iso_4217)]


class CustomerRow(BaseModel):
    customer_id: str = Field(max_length=100)
    customer_crm_id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=200)
    email: EmailStr | None = None
    segment: str | None = Field(None, max_length=100)
    customer_since: HistoryTime | None = None
    churned_at: HistoryTime | None = None

    @field_validator("churned_at")
    @classmethod
    def _churned_after_start(
        cls, churned: dt.datetime | None, info: ValidationInfo
    ) -> dt.datetime | None:
        # A field validator, so that the row's other problems are reported with this one.
        since = info.data.get("customer_since")
        if since is not None and churned is not None and churned < since:
            raise ValueError(f"{churned.isoformat()} is before customer_since {since.isoformat()}")
        return churned


class RevenueRow(BaseModel):
    revenue_id: str = Field(max_length=100)
    customer_id: str = Field(max_length=100)
    occurred_at: HistoryTime
    amount: decimal.Decimal = Field(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency: Currency
