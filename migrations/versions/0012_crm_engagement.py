"""crm engagement: how far the CRM pull got, and the health last written to each account

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "crm_pull_mark",
        sa.Column("name", text(length=40), nullable=False),
        sa.Column("stamp", text(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_crm_pull_mark")),
    )
    op.create_table(
        "health_written_to_crm",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("crm_id", text(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("reason", text(length=1000), nullable=True),
        sa.Column("written_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_health_written_to_crm_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_health_written_to_crm")),
    )


def downgrade() -> None:
    op.drop_table("health_written_to_crm")
    op.drop_table("crm_pull_mark")
