"""conversation insights: conversation type (and its upload override), deal signal, category
confidence, action item owner roles; a summary's resolution is null for conversations that are
not support ones

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
# Re-point to "0010" when that migration lands on main.
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_type", text(length=16), nullable=True))
    with op.batch_alter_table("summary", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "conversation_type", text(length=16), nullable=False, server_default="support"
            )
        )
        batch_op.add_column(sa.Column("deal_signal", text(length=16), nullable=True))
        batch_op.add_column(sa.Column("deal_evidence", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("issue_category_confidence", sa.Float(), nullable=True))
        batch_op.alter_column("resolution", existing_type=text(length=16), nullable=True)
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_role", text(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_column("owner_role")
    op.execute("UPDATE summary SET resolution = 'unresolved' WHERE resolution IS NULL")
    with op.batch_alter_table("summary", schema=None) as batch_op:
        batch_op.alter_column("resolution", existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column("issue_category_confidence")
        batch_op.drop_column("deal_evidence")
        batch_op.drop_column("deal_signal")
        batch_op.drop_column("conversation_type")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("conversation_type")
