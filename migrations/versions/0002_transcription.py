"""transcription: per-upload ASR options, speaker roles, metrics, word timestamps

Revision ID: 0002
Revises: 0003
Create Date: 2026-11-22 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("asr_language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(
            sa.Column("hotwords", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "initial_prompt", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("speaker_roles", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(sa.Column("metrics", sa.JSON(), nullable=True))
    with op.batch_alter_table("transcript_segment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("words", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transcript_segment", schema=None) as batch_op:
        batch_op.drop_column("words")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("metrics")
        batch_op.drop_column("speaker_roles")
        batch_op.drop_column("initial_prompt")
        batch_op.drop_column("hotwords")
        batch_op.drop_column("asr_language")
