"""Alembic migrations; run them with ``callsight db upgrade``."""
