"""The hand-computed KPI example (examples/kpis/, explained in docs/kpis.md), loaded for tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from agent.kpis.history_import import import_csv
from agent.kpis.periods import KpiConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kpis"
NEW_YORK = KpiConfig(timezone="America/New_York")


def load_example(engine: Engine, config: KpiConfig = NEW_YORK) -> None:
    with (
        Session(engine) as session,
        (EXAMPLE / "cases.csv").open() as cases,
        (EXAMPLE / "contacts.csv").open() as contacts,
        (EXAMPLE / "surveys.csv").open() as surveys,
    ):
        import_csv(session, config, cases, contacts, surveys)
        session.commit()
