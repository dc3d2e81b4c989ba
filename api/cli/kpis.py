"""The ``callsight kpis`` and ``callsight import`` commands."""

from __future__ import annotations

import datetime as dt
import sys
from typing import IO, TYPE_CHECKING

import click

from agent.kpis.periods import GroupBy
from api.cli.spreadsheet import spreadsheet_csv

if TYPE_CHECKING:
    from agent.core.settings import Settings
    from agent.kpis.report import KpiReport

# The database, settings and KPI modules are imported inside the commands that use them: they
# pull in SQLAlchemy, Alembic and pydantic, which `callsight --help` does not need.

TABLE_COLUMNS = (
    "key",
    "label",
    "contacts",
    "cases",
    "fcr_rate",
    "repeat_contact_rate",
    "resolution_time_mean_h",
    "resolution_time_median_h",
    "resolution_time_p90_h",
    "aht_s",
    "escalation_rate",
    "csat",
    "nps",
)


def load_settings() -> Settings:
    from pydantic import ValidationError

    from agent.core.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        raise click.ClickException(f"bad configuration: {error}") from error


@click.command("kpis")
@click.option(
    "--by",
    "group_by",
    type=click.Choice([g.value for g in GroupBy]),
    default="customer",
    show_default=True,
    help="What each row is.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="First local day.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Last local day.")
@click.option("--team", help="Only this team.")
@click.option("--agent", type=int, help="Only this agent (user id).")
@click.option("--customer", type=int, help="Only this customer (id).")
@click.option("--category", help="Only this issue category.")
def kpis_command(
    group_by: str,
    fmt: str,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    team: str | None,
    agent: int | None,
    customer: int | None,
    category: str | None,
) -> None:
    """Service KPIs, as GET /api/v1/kpis gives them (definitions: docs/kpis.md)."""
    from agent.core.db import make_engine, upgrade
    from agent.kpis.queries import KpiFilters
    from agent.kpis.report import kpi_report

    if date_from and date_to and date_from > date_to:
        raise click.BadParameter("--from is after --to; swap them")
    filters = KpiFilters(
        date_from.date() if date_from else None,
        date_to.date() if date_to else None,
        team,
        agent,
        customer,
        category,
    )
    settings = load_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    report = kpi_report(engine, GroupBy(group_by), filters, settings.kpi_config)
    engine.dispose()
    click.echo(render(report, fmt), nl=False)


def render(report: KpiReport, fmt: str) -> str:
    """The report as JSON (the API's shape), CSV (every column) or an aligned table."""
    from agent.kpis.report import KpiRow

    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        return spreadsheet_csv(list(KpiRow.model_fields), (row.model_dump() for row in report.rows))
    return _table(report)


def _table(report: KpiReport) -> str:
    cells = [list(TABLE_COLUMNS)]
    cells += [[_cell(getattr(row, name)) for name in TABLE_COLUMNS] for row in report.rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(TABLE_COLUMNS))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]
    footer = (
        f"(grouped by {report.group_by.value}, repeat window {report.window_days:g} days, "
        f"timezone {report.timezone}; every column: --format csv or json)"
    )
    return "\n".join([*lines, footer]) + "\n"


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


@click.command("import")
@click.option("--cases", type=click.File("r", encoding="utf-8-sig"), help="Cases CSV.")
@click.option("--contacts", type=click.File("r", encoding="utf-8-sig"), help="Contacts CSV.")
@click.option("--surveys", type=click.File("r", encoding="utf-8-sig"), help="Surveys CSV.")
@click.option(
    "--date-format",
    metavar="FORMAT",
    help="How the files write dates, in strptime codes (e.g. '%d/%m/%Y %H:%M');"
    " default: ISO 8601 only. A time without an offset is UTC.",
)
def import_command(
    cases: IO[str] | None,
    contacts: IO[str] | None,
    surveys: IO[str] | None,
    date_format: str | None,
) -> None:
    """Import historical cases, contacts and surveys from CSV (docs/kpis.md lists the columns).

    All or nothing: every problem in every row is listed, one line each, and nothing is
    written unless there are none.
    """
    from agent.core.db import make_engine, upgrade
    from agent.core.transactions import unit_of_work
    from agent.kpis.history_import import ImportRejected, import_csv

    if not (cases or contacts or surveys):
        raise click.UsageError("give at least one of --cases, --contacts, --surveys")
    settings = load_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(engine) as session:
            result = import_csv(session, settings.kpi_config, cases, contacts, surveys, date_format)
    except ImportRejected as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(f"nothing imported: {len(error.problems)} problem(s)", err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    click.echo(
        f"imported {result.cases} case(s), {result.contacts} contact(s), {result.surveys} survey(s)"
    )
