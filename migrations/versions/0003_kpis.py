"""service KPIs: cases, contacts, surveys

Revision ID: 0003
Revises: 0005
Create Date: 2026-11-22 13:18:42.872777
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm_case_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("closed_ts", sa.BigInteger(), nullable=True),
        sa.Column("crm_escalated", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("contact_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("opened_ts", sa.BigInteger(), nullable=True),
        sa.Column("opened_local_day", sa.Integer(), nullable=True),
        sa.Column("opened_local_month", sa.Integer(), nullable=True),
        sa.Column("first_agent_id", sa.Integer(), nullable=True),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("second_ts", sa.BigInteger(), nullable=True),
        sa.Column("last_contact_ts", sa.BigInteger(), nullable=True),
        sa.Column("first_resolving_ts", sa.BigInteger(), nullable=True),
        sa.Column("last_resolving_ts", sa.BigInteger(), nullable=True),
        sa.Column("first_resolved_ts", sa.BigInteger(), nullable=True),
        sa.Column("resolved_ts", sa.BigInteger(), nullable=True),
        sa.Column("resolution_s", sa.BigInteger(), nullable=True),
        sa.Column("reopened", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("escalated", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["first_agent_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("crm_case_id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_case_customer_id_category",
            ["customer_id", "category", "last_contact_ts"],
            unique=False,
        )
        batch_op.create_index(
            "ix_service_case_customer_kpis",
            [
                "customer_id",
                "resolution_s",
                "opened_ts",
                "second_ts",
                "first_resolved_ts",
                "resolved_ts",
                "escalated",
            ],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_service_case_first_agent_id"), ["first_agent_id"], unique=False
        )

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("call_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("started_ts", sa.BigInteger(), nullable=False),
        sa.Column("local_day", sa.Integer(), nullable=False),
        sa.Column("local_month", sa.Integer(), nullable=False),
        sa.Column("ended_ts", sa.BigInteger(), nullable=False),
        sa.Column("prev_ts", sa.BigInteger(), nullable=True),
        sa.Column("talk_s", sa.Float(), nullable=False),
        sa.Column("hold_s", sa.Float(), nullable=False),
        sa.Column("acw_s", sa.Float(), nullable=True),
        sa.Column("resolved", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("escalated", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("sentiment_change", sa.Float(), nullable=True),
        sa.Column("talk_ratio", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["call.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(
            "ix_contact_case_id_started_ts", ["case_id", "started_ts"], unique=False
        )
        batch_op.create_index(
            "ix_contact_customer_id_started_ts", ["customer_id", "started_ts"], unique=False
        )
        batch_op.create_index("ix_contact_local_day", ["local_day"], unique=False)

    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("responded_ts", sa.BigInteger(), nullable=False),
        sa.Column("local_day", sa.Integer(), nullable=False),
        sa.Column("local_month", sa.Integer(), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("ces", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_survey_customer_id_responded_ts", ["customer_id", "responded_ts"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_customer_id_responded_ts")
        batch_op.drop_index(batch_op.f("ix_survey_contact_id"))

    op.drop_table("survey")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_local_day")
        batch_op.drop_index("ix_contact_customer_id_started_ts")
        batch_op.drop_index("ix_contact_case_id_started_ts")
        batch_op.drop_index(batch_op.f("ix_contact_agent_id"))

    op.drop_table("contact")
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_case_first_agent_id"))
        batch_op.drop_index("ix_service_case_customer_kpis")
        batch_op.drop_index("ix_service_case_customer_id_category")

    op.drop_table("service_case")
