"""The ``callsight kpis`` and ``callsight import`` commands."""

from __future__ import annotations

import datetime as dt
import sys
from typing import IO, TYPE_CHECKING

import click

from agent.kpis.periods import GroupBy
from api.cli.spreadsheet import spreadsheet_csv

if TYPE_CHECKING:
    from sqlmodel import Session

    from agent.core.settings import Settings
    from agent.engagement.kpi_health import KpiRowWithHealth
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
    if report.group_by is GroupBy.CUSTOMER:
        from agent.engagement.kpi_health import with_health

        report = with_health(report, engine, settings.kpi_config, settings.health_weights)
    engine.dispose()
    click.echo(render(report, fmt), nl=False)


def render(report: KpiReport, fmt: str) -> str:
    """The report as JSON (the API's shape), CSV (every column) or an aligned table."""
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        return _csv(report)
    return _table(report)


def _csv(report: KpiReport) -> str:
    """Every figure; with health scores, each component's contribution in its own column."""
    from agent.core.domain import HEALTH_WEIGHTS
    from agent.engagement.kpi_health import KpiRowWithHealth
    from agent.kpis.report import KpiRow

    columns = list(KpiRow.model_fields)
    if not any(isinstance(row, KpiRowWithHealth) for row in report.rows):
        return spreadsheet_csv(columns, (row.model_dump() for row in report.rows))
    parts = [f"health_{name}" for name in HEALTH_WEIGHTS]
    return spreadsheet_csv(
        [*columns, "health_score", *parts],
        (_csv_row(row) for row in report.rows if isinstance(row, KpiRowWithHealth)),
    )


def _csv_row(row: KpiRowWithHealth) -> dict[str, object]:
    cells: dict[str, object] = row.model_dump(exclude={"health_components"})
    cells.update({f"health_{part.name}": part.contribution for part in row.health_components})
    return cells


def _table(report: KpiReport) -> str:
    from agent.engagement.kpi_health import KpiRowWithHealth

    names = list(TABLE_COLUMNS)
    if any(isinstance(row, KpiRowWithHealth) for row in report.rows):
        names.append("health_score")
    cells = [names]
    cells += [[_cell(getattr(row, name)) for name in names] for row in report.rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(names))]
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
    "--customers", type=click.File("r", encoding="utf-8-sig"), help="Customer lifecycle CSV."
)
@click.option("--revenue", type=click.File("r", encoding="utf-8-sig"), help="Revenue CSV.")
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
    customers: IO[str] | None,
    revenue: IO[str] | None,
    date_format: str | None,
) -> None:
    """Import historical cases, contacts and surveys (docs/kpis.md lists the columns), and
    customers' lifecycle and revenue (docs/engagement.md), from CSV.

    All or nothing: every problem in every row of every file is listed, one line each, and
    nothing is written unless there are none.
    """
    from agent.core.db import make_engine, upgrade
    from agent.core.transactions import unit_of_work
    from agent.kpis.history_import import ImportRejected

    if not (cases or contacts or surveys or customers or revenue):
        raise click.UsageError(
            "give at least one of --cases, --contacts, --surveys, --customers, --revenue"
        )
    settings = load_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    files = _ImportFiles(cases, contacts, surveys, customers, revenue, date_format)
    try:
        with unit_of_work(engine) as session:
            counts = files.load(session, settings)
    except ImportRejected as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(f"nothing imported: {len(error.problems)} problem(s)", err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    click.echo("imported " + ", ".join(f"{count} {what}" for what, count in counts.items()))


class _ImportFiles:
    """The files of one import: lifecycle and revenue first (so that contacts find their
    customers), then the KPI history; every problem of both is reported together."""

    def __init__(
        self,
        cases: IO[str] | None,
        contacts: IO[str] | None,
        surveys: IO[str] | None,
        customers: IO[str] | None,
        revenue: IO[str] | None,
        date_format: str | None,
    ) -> None:
        self.kpi_files = (cases, contacts, surveys)
        self.engagement_files = (customers, revenue)
        self.date_format = date_format

    def load(self, session: Session, settings: Settings) -> dict[str, int]:
        from agent.engagement.importer import import_engagement
        from agent.kpis.history_import import ImportRejected, import_csv

        problems: list[str] = []
        counts: dict[str, int] = {}
        config = settings.kpi_config
        if any(self.engagement_files):
            try:
                done = import_engagement(session, config, *self.engagement_files, self.date_format)
                counts |= {"customer(s)": done.customers, "revenue event(s)": done.revenue_events}
            except ImportRejected as error:
                problems += error.problems
        if any(self.kpi_files):
            try:
                result = import_csv(session, config, *self.kpi_files, self.date_format)
                counts |= {
                    "case(s)": result.cases,
                    "contact(s)": result.contacts,
                    "survey(s)": result.surveys,
                }
            except ImportRejected as error:
                problems += error.problems
        if problems:
            raise ImportRejected(problems)
        return counts
