"""The engagement sync's ways in: `callsight engagement-sync`, Celery beat, the embedded runner."""

from __future__ import annotations

import json
from pathlib import Path

import trustme
from click.testing import CliRunner
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session

from agent.core.settings import CrmKind, Settings
from agent.core.tables import Customer
from api.app import start_jobs
from api.cli.main import main
from api.composition import build_container
from api.worker.celery_app import make_celery
from support.cli import salesforce_env
from support.salesforce_emulator import SalesforceEmulator


def test_the_command_pulls_and_pushes_and_names_accounts_it_skipped(
    database_url: str,
    tmp_path: Path,
    sf_org: SalesforceEmulator,
    test_ca: trustme.CA,
    engine: Engine,
) -> None:
    acme = sf_org.add("Account", Name="Acme", Callsight_Customer_Since__c="2025-01-15")
    stranger = sf_org.add("Account", Name="Stranger")
    env = salesforce_env(database_url, tmp_path, sf_org, test_ca)
    assert CliRunner().invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    with Session(engine) as session:
        session.add(Customer(name="Acme", crm_id=acme))
        session.commit()

    result = CliRunner().invoke(main, ["engagement-sync", "--json"], env=env)

    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert done["pulled"]["customers_updated"] == 1
    assert done["pulled"]["unknown_accounts"] == [stranger]
    plain = CliRunner().invoke(main, ["engagement-sync"], env=env)
    assert plain.exit_code == 0 and "customers updated 0" in plain.stdout
    assert f"Account {stranger} is no customer's customer_crm_id" in plain.stderr


def test_the_command_says_it_needs_salesforce(database_url: str, tmp_path: Path) -> None:
    env = {"CALLSIGHT_DATA_DIR": str(tmp_path / "data"), "CALLSIGHT_DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["engagement-sync"], env=env)
    assert result.exit_code == 1 and "needs CALLSIGHT_CRM=salesforce" in result.output


def test_beat_runs_the_sync_on_its_period_only_with_salesforce(settings: Settings) -> None:
    local = settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    assert "crm-engagement" not in make_celery(local).conf.beat_schedule
    salesforce = local.model_copy(update={"crm": CrmKind.SALESFORCE, "engagement_sync_s": 900.0})
    celery = make_celery(salesforce)
    entry = celery.conf.beat_schedule["crm-engagement"]
    assert (entry["task"], entry["schedule"]) == ("callsight.sync_engagement", 900.0)
    assert "callsight.sync_engagement" in celery.tasks


def test_the_embedded_runner_runs_the_sync_with_salesforce_only(
    settings: Settings, sf_org: SalesforceEmulator
) -> None:
    salesforce = settings.model_copy(
        update={
            "crm": CrmKind.SALESFORCE,
            "salesforce_login_url": sf_org.url,
            "salesforce_client_id": sf_org.client_id,
            "salesforce_client_secret": SecretStr(sf_org.client_secret),
        }
    )
    loops = {}
    for name, each in (("local", settings), ("salesforce", salesforce)):
        container = build_container(each)
        jobs = start_jobs(container)
        loops[name] = (container.engagement is not None, len(jobs.loops))
        jobs.stop()
        container.engine.dispose()
    assert loops["salesforce"] == (True, loops["local"][1] + 1)
    assert loops["local"][0] is False
