"""What the engagement figures need from a CRM: lifecycle and closed deals read, health written."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AccountLifecycle:
    account_id: str
    since: dt.date | None
    churned: dt.date | None
    """Each a date (taken as its start in the business timezone) or a date/time."""
    stamp: str
    """The CRM's modification stamp, to resume the next pull after."""


@dataclass(frozen=True)
class Deal:
    """A deal changed in the CRM; revenue when ``won`` and it has an amount."""

    deal_id: str
    account_id: str | None
    won: bool
    amount: decimal.Decimal | None
    closed: dt.date | None
    currency: str
    stamp: str


@dataclass(frozen=True)
class HealthUpdate:
    account_id: str
    score: int | None
    reason: str | None


class EngagementCrm(Protocol):
    """A CRM that holds customers' lifecycle and deals, and takes their health back."""

    def accounts(self, after: str | None) -> list[AccountLifecycle]:
        """Accounts changed after the stamp (all of them when None), oldest change first."""
        ...

    def deals(self, after: str | None) -> list[Deal]:
        """Deals changed after the stamp, oldest change first; only won ones when None."""
        ...

    def write_health(self, updates: Sequence[HealthUpdate]) -> list[str | None]:
        """Each update's error (None when written), in order; raises when nothing could be sent."""
        ...
