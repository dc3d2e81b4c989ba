"""conversation channels: a call is a recording (voice) or a chat, email or SMS conversation;
a KPI contact keeps its call's channel (only live ones count towards handle time)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("call", "contact"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "channel",
                    sqlmodel.sql.sqltypes.AutoString(length=16),
                    nullable=False,
                    server_default="voice",
                )
            )


def downgrade() -> None:
    # Text conversations stay as rows without audio: the audio route answers 410 for them.
    for table in ("contact", "call"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("channel")
