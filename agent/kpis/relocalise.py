"""Rewrite the stored business-local days and months after the business timezone changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from agent.kpis.periods import KpiConfig, local_day_and_month
from agent.kpis.tables import Contact, ServiceCase, Survey

BATCH = 10_000
Progress = Callable[[str, int], None]


def relocalise(session: Session, config: KpiConfig, on_batch: Progress | None = None) -> int:
    """Recompute every contact's, survey's and case's local day and month in ``config``'s
    timezone, in batches; returns the number of rows rewritten. The caller commits."""
    targets: list[tuple[Any, str, str, str]] = [
        (Contact, "started_ts", "local_day", "local_month"),
        (Survey, "responded_ts", "local_day", "local_month"),
        (ServiceCase, "opened_ts", "opened_local_day", "opened_local_month"),
    ]
    total = 0
    for model, moment, day, month in targets:
        table: Table = model.__table__
        total += rewrite_local_days(session, table, moment, day, month, config, on_batch)
    return total


def rewrite_local_days(
    session: Session,
    table: Table,
    moment: str,
    day: str,
    month: str | None,
    config: KpiConfig,
    on_batch: Progress | None,
) -> int:
    """Recompute ``table``'s ``day`` (and ``month``, if it has one) from its ``moment`` column,
    in batches; returns the number of rows rewritten."""
    new_values: dict[str, Any] = {day: bindparam("new_day")}
    if month is not None:
        new_values[month] = bindparam("new_month")
    statement = update(table).where(table.c.id == bindparam("row_id")).values(new_values)
    done, last_id = 0, 0
    while True:
        rows = (
            session.connection()
            .execute(
                select(table.c.id, table.c[moment])
                .where(table.c.id > last_id, table.c[moment].is_not(None))
                .order_by(table.c.id)
                .limit(BATCH)
            )
            .all()
        )
        if not rows:
            return done
        values = []
        for row_id, seconds in rows:
            new_day, new_month = local_day_and_month(seconds, config.zone)
            values.append({"row_id": row_id, "new_day": new_day, "new_month": new_month})
        session.connection().execute(statement, values)
        done, last_id = done + len(rows), rows[-1][0]
        if on_batch is not None:
            on_batch(table.name, done)
