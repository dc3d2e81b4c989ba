"""The ``callsight engagement-sync`` command: the scheduled Salesforce engagement sync, now."""

from __future__ import annotations

import json

import click

from api.cli.kpis import load_settings


@click.command("engagement-sync")
@click.option("--full", is_flag=True, help="Read every Account and won Opportunity again.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
def engagement_sync_command(full: bool, as_json: bool) -> None:
    """Read lifecycle dates and won Opportunities from Salesforce, write health scores back."""
    import dataclasses

    from agent.core.db import make_engine, upgrade
    from agent.core.ports import StageError
    from api.composition import build_engagement_sync

    settings = load_settings()
    upgrade(settings.database_url)
    sync = build_engagement_sync(settings, make_engine(settings.database_url))
    if sync is None:
        raise click.ClickException("engagement-sync needs CALLSIGHT_CRM=salesforce")
    try:
        pulled, pushed = sync.run(full=full)
    except StageError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        done = {"pulled": dataclasses.asdict(pulled), "pushed": dataclasses.asdict(pushed)}
        click.echo(json.dumps(done, indent=2))
        return
    click.echo(
        f"customers updated {pulled.customers_updated}, revenue added {pulled.revenue_added}, "
        f"updated {pulled.revenue_updated}, removed {pulled.revenue_removed}; "
        f"health written {pushed.written}, unchanged {pushed.unchanged}, "
        f"refused {len(pushed.failed)}"
    )
    for account_id in pulled.unknown_accounts:
        click.echo(f"skipped: Account {account_id} is no customer's customer_crm_id", err=True)
    for account_id, refusal in pushed.failed.items():
        click.echo(f"refused: Account {account_id}: {refusal}", err=True)
