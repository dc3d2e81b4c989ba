"""The ``callsight engagement`` command: GET /api/v1/engagement on the command line."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from agent.engagement.periods import EngagementGroupBy
from api.cli.kpis import load_settings
from api.cli.spreadsheet import spreadsheet_csv

if TYPE_CHECKING:
    from agent.engagement.report import EngagementReport

TABLE_COLUMNS = (
    "key",
    "customers_at_start",
    "new_customers",
    "churned_customers",
    "customers_at_end",
    "churn_rate",
    "retention_rate",
    "repeat_purchase_rate",
    "revenue",
    "realised_ltv",
    "expected_ltv",
    "contact_rate",
)


@click.command("engagement")
@click.option(
    "--group-by",
    type=click.Choice([g.value for g in EngagementGroupBy]),
    default="month",
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
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="A first-month day.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="A last-month day.")
@click.option("--currency", help="ISO 4217 code of the revenue counted (needed if several).")
def engagement_command(
    group_by: str,
    fmt: str,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    currency: str | None,
) -> None:
    """Churn, retention, repeat purchases, LTV and contact rate (docs/engagement.md)."""
    from pydantic import TypeAdapter, ValidationError

    from agent.core.db import make_engine, upgrade
    from agent.core.errors import InvalidInput
    from agent.engagement.report import EngagementQuery, engagement_report
    from agent.engagement.rows import Currency

    try:
        code = TypeAdapter(Currency).validate_python(currency) if currency else None
    except ValidationError as error:
        raise click.BadParameter(error.errors()[0]["msg"], param_hint="--currency") from None
    asked = EngagementQuery(
        EngagementGroupBy(group_by),
        date_from.date() if date_from else None,
        date_to.date() if date_to else None,
        code,
    )
    settings = load_settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        report = engagement_report(engine, asked, settings.kpi_config)
    except InvalidInput as error:
        raise click.UsageError(str(error)) from None
    finally:
        engine.dispose()
    click.echo(render(report, fmt), nl=False)


def render(report: EngagementReport, fmt: str) -> str:
    """The report as JSON (the API's shape), CSV (every column) or an aligned table."""
    from agent.engagement.report import EngagementRow

    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        names = [name for name in EngagementRow.model_fields if name != "why_null"]
        return spreadsheet_csv(names, (row.model_dump(include=set(names)) for row in report.rows))
    return _table(report)


def _table(report: EngagementReport) -> str:
    cells = [list(TABLE_COLUMNS)]
    cells += [[_cell(getattr(row, name)) for name in TABLE_COLUMNS] for row in report.rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(TABLE_COLUMNS))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]
    footer = (
        f"(grouped by {report.group_by.value}, {report.date_from} to {report.date_to}, "
        f"money in {report.currency or '-'}, timezone {report.timezone}; "
        "why a figure is '-': --format json)"
    )
    return "\n".join([*lines, footer]) + "\n"


def _cell(value: object) -> str:
    return "-" if value is None else str(value)
