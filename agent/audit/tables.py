"""Storage for the audit log: one row per action a person took, never updated."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from agent.core.tables import utcnow


class AuditEvent(SQLModel, table=True):
    """One action: when, by which key (id, public prefix, name) or the command line, through
    which door (api, web, cli), from which address, on which call or other object."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True),
    )
    action: str = Field(max_length=40, index=True)
    via: str = Field(max_length=8)
    key_id: int | None = Field(default=None, index=True)
    key_prefix: str | None = Field(default=None, max_length=16)
    actor: str = Field(max_length=200, index=True)
    address: str | None = Field(default=None, max_length=64)
    call_id: str | None = Field(default=None, max_length=32, index=True)
    target: str | None = Field(default=None, max_length=200)
