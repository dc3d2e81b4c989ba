"""engagement: customer lifecycle and revenue events

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "customer_lifecycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", text(length=100), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("segment", text(length=100), nullable=True),
        sa.Column("since_ts", sa.BigInteger(), nullable=True),
        sa.Column("since_local_day", sa.Integer(), nullable=True),
        sa.Column("churned_ts", sa.BigInteger(), nullable=True),
        sa.Column("churned_local_day", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_lifecycle_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_lifecycle")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_customer_lifecycle_customer_id")),
        sa.UniqueConstraint("external_id", name=op.f("uq_customer_lifecycle_external_id")),
    )
    op.create_index(
        op.f("ix_customer_lifecycle_segment"), "customer_lifecycle", ["segment"], unique=False
    )
    op.create_table(
        "revenue_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", text(length=100), nullable=False),
        sa.Column("lifecycle_id", sa.Integer(), nullable=False),
        sa.Column("occurred_ts", sa.BigInteger(), nullable=False),
        sa.Column("local_day", sa.Integer(), nullable=False),
        sa.Column("amount_e4", sa.BigInteger(), nullable=False),
        sa.Column("currency", text(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["lifecycle_id"],
            ["customer_lifecycle.id"],
            name=op.f("fk_revenue_event_lifecycle_id_customer_lifecycle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_event")),
        sa.UniqueConstraint("external_id", name=op.f("uq_revenue_event_external_id")),
    )
    op.create_index(
        "ix_revenue_event_lifecycle_id_local_day",
        "revenue_event",
        ["lifecycle_id", "local_day"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_revenue_event_lifecycle_id_local_day", table_name="revenue_event")
    op.drop_table("revenue_event")
    op.drop_index(op.f("ix_customer_lifecycle_segment"), table_name="customer_lifecycle")
    op.drop_table("customer_lifecycle")
