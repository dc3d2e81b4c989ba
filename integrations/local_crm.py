"""The embedded CRM: keeps, in our own database, exactly the records a real CRM would be sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Column, Engine, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from agent.core.domain import CrmLinks, CrmWrite, CrmWriteResult, MatchHint


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LocalCrmRecord(SQLModel, table=True):
    __tablename__ = "local_crm_record"
    __table_args__ = (UniqueConstraint("object_type", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(max_length=64)
    external_id: str = Field(max_length=100)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=_utcnow)
    updated_at: dt.datetime = Field(default_factory=_utcnow)


class LocalCrm:
    """Upserts records by (object type, external id) into the ``local_crm_record`` table."""

    name = "local"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        with Session(self._engine) as session:
            results = [self._upsert(session, write) for write in writes]
            session.commit()
        return results

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        """The local CRM keeps no directory of customers: each call keeps the links it came with."""
        return [
            CrmLinks(
                contact_id=hint.contact_id,
                account_id=hint.account_id,
                case_id=hint.case_ref,
                owner_id=hint.agent_crm_user_id,
                opportunity_id=hint.opportunity_id,
            )
            for hint in hints
        ]

    def records(self, object_type: str | None = None) -> list[LocalCrmRecord]:
        """Every stored record, oldest first, optionally of one object type."""
        query = select(LocalCrmRecord).order_by(LocalCrmRecord.id)  # type: ignore[arg-type]
        if object_type:
            query = query.where(LocalCrmRecord.object_type == object_type)
        with Session(self._engine) as session:
            return list(session.exec(query))

    def _upsert(self, session: Session, write: CrmWrite) -> CrmWriteResult:
        record = session.exec(
            select(LocalCrmRecord).where(
                LocalCrmRecord.object_type == write.object_type,
                LocalCrmRecord.external_id == write.external_id,
            )
        ).first()
        if record is None:
            record = LocalCrmRecord(object_type=write.object_type, external_id=write.external_id)
        record.fields = dict(write.fields)
        record.updated_at = _utcnow()
        session.add(record)
        session.flush()
        return CrmWriteResult(external_id=write.external_id, crm_id=f"local-{record.id}")
