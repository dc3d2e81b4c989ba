"""Alembic environment: runs migrations against the URL set by ``agent.core.db.alembic_config``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

from agent.audit import tables as audit_tables
from agent.core import tables as core_tables
from agent.engagement import tables as engagement_tables
from agent.kpis import tables as kpi_tables
from integrations import local_crm

# Importing the models registers their tables on the metadata autogenerate compares against.
MODELS = (core_tables, kpi_tables, local_crm, audit_tables, engagement_tables)
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    config = context.config
    connectable = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
