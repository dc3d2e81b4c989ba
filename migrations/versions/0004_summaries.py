"""summaries: provenance and LLM fields on summary, action item priority, LLM answer cache

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIST_COLUMNS = ("next_steps", "objections", "competitors")


def upgrade() -> None:
    with op.batch_alter_table("summary") as batch:
        batch.add_column(sa.Column("language", sqlmodel.AutoString(length=16), nullable=True))
        batch.add_column(sa.Column("resolution_evidence", sqlmodel.AutoString(), nullable=True))
        batch.add_column(sa.Column("resolution_at_s", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("sentiment_start", sqlmodel.AutoString(length=16), nullable=True)
        )
        batch.add_column(sa.Column("sentiment_end", sqlmodel.AutoString(length=16), nullable=True))
        batch.add_column(
            sa.Column("issue_category", sqlmodel.AutoString(length=100), nullable=True)
        )
        for name in _LIST_COLUMNS:
            batch.add_column(sa.Column(name, sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("llm_input", sa.Text(), nullable=True))
    with op.batch_alter_table("action_item") as batch:
        batch.add_column(
            sa.Column(
                "priority",
                sqlmodel.AutoString(length=16),
                nullable=False,
                server_default="normal",
            )
        )
    op.create_table(
        "llm_cache",
        sa.Column("key", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("model", sqlmodel.AutoString(length=100), nullable=False),
        sa.Column("prompt_version", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_llm_cache")),
    )


def downgrade() -> None:
    op.drop_table("llm_cache")
    with op.batch_alter_table("action_item") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("summary") as batch:
        for name in (
            "llm_input",
            *reversed(_LIST_COLUMNS),
            "issue_category",
            "sentiment_end",
            "sentiment_start",
            "resolution_at_s",
            "resolution_evidence",
            "language",
        ):
            batch.drop_column(name)
