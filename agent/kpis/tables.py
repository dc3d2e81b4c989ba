"""Storage for service KPIs: cases, contacts and survey responses.

Times are integer seconds since the Unix epoch (UTC), so that the KPI queries do the same integer
arithmetic on SQLite and PostgreSQL. Each row also keeps its business-local day and month
(``local_day``: days since 1970-01-01 in the business timezone; ``local_month``: year * 12 +
month - 1), written when the row is written, so that grouping by period is plain integer grouping.
Flags are small integers (0/1) so that they can be summed on both backends.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, SmallInteger
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column[int]:
    return Column(BigInteger, nullable=nullable)


def _count() -> Column[int]:
    return Column(BigInteger, nullable=False, server_default="0")


def _flag() -> Column[int]:
    return Column(SmallInteger, nullable=False, server_default="0")


class ServiceCase(SQLModel, table=True):
    """An issue a customer contacts us about. The columns after ``crm_escalated`` are derived from
    the case's contacts (``agent.cases.refresh_cases``) and never written by hand."""

    __tablename__ = "service_case"
    __table_args__ = (
        # Covers the per-customer KPI query: one ordered index scan, no table lookups.
        Index(
            "ix_service_case_customer_kpis",
            "customer_id",
            "resolution_s",
            "opened_ts",
            "second_ts",
            "first_resolved_ts",
            "resolved_ts",
            "escalated",
        ),
        Index("ix_service_case_customer_id_category", "customer_id", "category", "last_contact_ts"),
        # Covers the health score's case facts: only the cases opened in its window are read.
        Index(
            "ix_service_case_opened_health", "opened_ts", "customer_id", "resolved_ts", "escalated"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    crm_case_id: str | None = Field(default=None, max_length=64, unique=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    category: str = Field(max_length=100, default="general")
    closed_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    crm_escalated: int = Field(default=0, sa_column=_flag())
    contact_count: int = Field(default=0, sa_column=_count())
    opened_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    opened_local_day: int | None = None
    opened_local_month: int | None = None
    first_agent_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    team: str | None = Field(default=None, max_length=100)
    second_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    last_contact_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    first_resolving_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    last_resolving_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    first_resolved_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    resolved_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    resolution_s: int | None = Field(default=None, sa_column=_ts(nullable=True))
    reopened: int = Field(default=0, sa_column=_flag())
    escalated: int = Field(default=0, sa_column=_flag())


class Contact(SQLModel, table=True):
    """One call or imported contact, on exactly one case."""

    __table_args__ = (
        Index("ix_contact_case_id_started_ts", "case_id", "started_ts"),
        # Covers the health score's contact facts: every customer's from the index alone.
        Index(
            "ix_contact_customer_health", "customer_id", "started_ts", "prev_ts", "sentiment_change"
        ),
        Index("ix_contact_local_day", "local_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="service_case.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    agent_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    team: str | None = Field(default=None, max_length=100)
    category: str = Field(max_length=100, default="general")
    call_id: str | None = Field(default=None, foreign_key="call.id", max_length=32, unique=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    started_ts: int = Field(sa_column=_ts())
    local_day: int
    local_month: int
    ended_ts: int = Field(sa_column=_ts())
    prev_ts: int | None = Field(default=None, sa_column=_ts(nullable=True))
    # How the contact came in (a call's channel): only live ones count towards handle time.
    channel: str = Field(default="voice", max_length=16)
    talk_s: float = 0.0
    hold_s: float = 0.0
    acw_s: float | None = None
    resolved: int = Field(default=0, sa_column=_flag())
    escalated: int = Field(default=0, sa_column=_flag())
    sentiment_change: float | None = None
    talk_ratio: float | None = None


class Survey(SQLModel, table=True):
    """A customer's answer to a CSAT (1-5), NPS (0-10) and/or CES (1-7) question."""

    __table_args__ = (
        # Covers the health score's survey facts.
        Index("ix_survey_customer_health", "customer_id", "responded_ts", "csat", "nps", "ces"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="service_case.id")
    agent_id: int | None = Field(default=None, foreign_key="user.id")
    team: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, max_length=100)
    responded_ts: int = Field(sa_column=_ts())
    local_day: int
    local_month: int
    csat: int | None = None
    nps: int | None = None
    ces: int | None = None
