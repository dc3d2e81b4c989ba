"""audit log: who read or changed what, when, from where

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("action", "key_id", "actor", "call_id", "at")


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", text(length=40), nullable=False),
        sa.Column("via", text(length=8), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("key_prefix", text(length=16), nullable=True),
        sa.Column("actor", text(length=200), nullable=False),
        sa.Column("address", text(length=64), nullable=True),
        sa.Column("call_id", text(length=32), nullable=True),
        sa.Column("target", text(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_audit_event_{column}"), "audit_event", [column], unique=False)


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(op.f(f"ix_audit_event_{column}"), table_name="audit_event")
    op.drop_table("audit_event")
