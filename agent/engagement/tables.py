"""Storage for customer engagement: each customer's lifecycle, and revenue events.

As in the KPI tables, times are integer seconds since the Unix epoch and each row keeps its
business-local day (days since 1970-01-01 in the business timezone), written with the row, so that
the engagement queries compare plain integers on SQLite and PostgreSQL. Amounts are kept exactly,
as integer ten-thousandths of the currency unit (``amount_e4``), so sums never round.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

AMOUNT_SCALE = 10_000  # amount_e4 = amount * AMOUNT_SCALE


def _ts(nullable: bool) -> Column[int]:
    return Column(BigInteger, nullable=nullable)


class CustomerLifecycle(SQLModel, table=True):
    """When a customer started and stopped being one, and their segment."""

    __tablename__ = "customer_lifecycle"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=100, unique=True)
    customer_id: int = Field(foreign_key="customer.id", unique=True)
    segment: str | None = Field(default=None, max_length=100, index=True)
    since_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    since_local_day: int | None = None
    churned_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    churned_local_day: int | None = None


class RevenueEvent(SQLModel, table=True):
    """Money a customer paid (a positive amount) or got back (a refund or credit, negative)."""

    __tablename__ = "revenue_event"
    __table_args__ = (
        # Also covers the health score's last payment.
        Index(
            "ix_revenue_event_lifecycle_payments",
            "lifecycle_id",
            "local_day",
            "occurred_ts",
            "amount_e4",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=100, unique=True)
    lifecycle_id: int = Field(foreign_key="customer_lifecycle.id")
    occurred_ts: int = Field(sa_column=_ts(nullable=False))
    local_day: int
    amount_e4: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)


class CrmPullMark(SQLModel, table=True):
    """How far a pull from the CRM got, per kind of record: the newest modification stamp seen,
    as the CRM wrote it, so that the next pull asks only for what changed after it."""

    __tablename__ = "crm_pull_mark"

    name: str = Field(primary_key=True, max_length=40)
    stamp: str = Field(max_length=40)


class HealthWrittenToCrm(SQLModel, table=True):
    """The score and reason last written to a customer's CRM account, so that only changes are
    sent."""

    __tablename__ = "health_written_to_crm"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    crm_id: str = Field(max_length=64)
    score: int | None = None
    reason: str | None = Field(default=None, max_length=1000)
    written_ts: int = Field(sa_column=_ts(nullable=False))
