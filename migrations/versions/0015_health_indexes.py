"""health indexes: the per-customer indexes of contacts, surveys and revenue events also carry
the columns the health score reads, and cases get an index by opening time, so that every
customer's facts come from indexes alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 23:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
# Re-pointed to "0014" when the migrations made beside this one land on main.
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index replaced and its columns, index replacing it and its columns)
WIDENED = (
    (
        "contact",
        ("ix_contact_customer_id_started_ts", ["customer_id", "started_ts"]),
        (
            "ix_contact_customer_health",
            ["customer_id", "started_ts", "prev_ts", "sentiment_change"],
        ),
    ),
    (
        "survey",
        ("ix_survey_customer_id_responded_ts", ["customer_id", "responded_ts"]),
        ("ix_survey_customer_health", ["customer_id", "responded_ts", "csat", "nps", "ces"]),
    ),
    (
        "revenue_event",
        ("ix_revenue_event_lifecycle_id_local_day", ["lifecycle_id", "local_day"]),
        (
            "ix_revenue_event_lifecycle_payments",
            ["lifecycle_id", "local_day", "occurred_ts", "amount_e4"],
        ),
    ),
)


# The cases opened in the health score's window, read without the ones before it.
CASES_OPENED = (
    "ix_service_case_opened_health",
    ["opened_ts", "customer_id", "resolved_ts", "escalated"],
)


def upgrade() -> None:
    for table, (old, _), (new, columns) in WIDENED:
        op.create_index(new, table, columns, unique=False)
        op.drop_index(old, table_name=table)
    op.create_index(CASES_OPENED[0], "service_case", CASES_OPENED[1], unique=False)


def downgrade() -> None:
    op.drop_index(CASES_OPENED[0], table_name="service_case")
    for table, (old, columns), (new, _) in WIDENED:
        op.create_index(old, table, columns, unique=False)
        op.drop_index(new, table_name=table)
