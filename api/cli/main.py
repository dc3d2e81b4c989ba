"""The ``callsight`` command line.

Only click and a few enums are imported here; each command imports what it uses (the database,
the web app, the adapters) when it runs, so ``callsight --help`` starts quickly.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from agent.calls.exports import TranscriptFormat
from api.cli.engagement import engagement_command
from api.cli.engagement_sync import engagement_sync_command
from api.cli.kpis import import_command, kpis_command, load_settings

if TYPE_CHECKING:
    from tqdm import tqdm

    from agent.audit.log import Actor
    from agent.calls.service import CallMetadata
    from agent.calls.views import CallDetail
    from agent.core.settings import Settings
    from api.composition import Container

# agent.auth.keys.Role's values; importing it would load SQLModel before the arguments are parsed
# (tests/api/test_startup_imports.py checks the two stay equal).
ROLES = ("rep", "lead", "admin")


def _settings() -> Settings:
    return load_settings()


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the service does.")
def main(verbose: bool) -> None:
    """Callsight: call recordings in; transcripts, summaries, action items and CRM records out."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--sample", is_flag=True, help="Also process the bundled sample call.")
def serve(host: str, port: int, sample: bool) -> None:
    """Run the HTTP service (API docs at /docs); with no CALLSIGHT_BROKER_URL it also runs the
    calls itself (the embedded runner), else `callsight worker` processes run them."""
    import uvicorn

    from api.app import create_app

    logging.getLogger().setLevel(logging.INFO)
    uvicorn.run(create_app(_settings(), process_sample=sample), host=host, port=port)


@main.command()
@click.option(
    "--queues",
    default="asr,io",
    show_default=True,
    help="Queues to take work from: asr (speech recognition), io (LLM, CRM, webhooks).",
)
@click.option("--concurrency", type=click.IntRange(min=1), help="Processes (default: cores).")
@click.option("--beat", is_flag=True, help="Also run the periodic scheduler in this worker.")
@click.option("--metrics-port", type=click.IntRange(1, 65535), help="Serve /metrics here.")
@click.option("--name", help="Worker name (default: callsight-<queues>-<pid>@<host>).")
def worker(
    queues: str, concurrency: int | None, beat: bool, metrics_port: int | None, name: str | None
) -> None:
    """Run Celery workers on the Redis broker in CALLSIGHT_BROKER_URL."""
    import os

    from api.worker.broker import QUEUES

    chosen = [queue.strip() for queue in queues.split(",") if queue.strip()]
    unknown = sorted(set(chosen) - set(QUEUES))
    if not chosen or unknown:
        raise click.BadParameter(f"choose from {', '.join(QUEUES)}", param_hint="--queues")
    settings = _require_broker()
    if metrics_port:
        _serve_worker_metrics(metrics_port)

    from agent.core.db import upgrade
    from api.worker.celery_app import make_celery

    upgrade(settings.database_url)
    argv = ["worker", "--queues", ",".join(chosen), "--loglevel", "INFO", "--without-gossip"]
    argv += ["--hostname", name or f"callsight-{'-'.join(chosen)}-{os.getpid()}@%h"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if beat:
        argv += ["--beat"]
    make_celery(settings).worker_main(argv)


@main.command()
def scheduler() -> None:
    """Run the periodic scheduler (Celery beat): CRM writes due after a backoff, webhook
    deliveries, and the sweeper for stuck calls. Run exactly one per deployment."""
    from api.worker.celery_app import make_celery

    make_celery(_require_broker()).start(["beat", "--loglevel", "INFO"])


def _require_broker() -> Settings:
    settings = _settings()
    if not settings.broker_url:
        raise click.ClickException(
            "CALLSIGHT_BROKER_URL is not set; workers need a Redis broker, "
            "e.g. CALLSIGHT_BROKER_URL=redis://127.0.0.1:6379/0"
        )
    return settings


def _serve_worker_metrics(port: int) -> None:
    """Metrics of the worker and its pool: stages run in forked children, so each process
    writes its figures to a shared folder, set before prometheus-client is first imported."""
    import os
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="prometheus-callsight-")
    from integrations.prometheus_metrics import serve_worker_metrics

    serve_worker_metrics(port)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print each call as one line of JSON.")
@click.option("--customer-name", "--customer", "customer_name", help="Customer name.")
@click.option("--customer-email", help="Customer email; the CRM contact is found by it.")
@click.option("--customer-phone", help="Customer phone; the CRM contact is found by it.")
@click.option("--agent-name", "--agent", "agent_name", help="Agent name.")
@click.option("--agent-email", help="Agent email; the CRM user who owns the call's tasks.")
@click.option(
    "--started-at",
    help="When the call started, ISO 8601 (e.g. 2026-11-18T10:00:00+01:00; UTC if no offset).",
)
@click.option("--direction", type=click.Choice(["inbound", "outbound"]), help="Default inbound.")
@click.option("--crm-case-id", help="The CRM case: its id, or its number (e.g. 00001026).")
@click.option("--crm-opportunity-id", help="The CRM opportunity (deal) a sales call is about.")
@click.option("--crm-contact-id", help="The CRM contact's id.")
@click.option("--crm-account-id", help="The CRM account's id.")
@click.option(
    "--channel-map", help="Stereo speakers, left first, e.g. 'customer,agent', or 'auto'."
)
@click.option("--language", help="Force the spoken language, e.g. 'ja' (default: detect).")
@click.option("--hotwords", help="Names the recogniser should expect, e.g. product names.")
@click.option(
    "--conversation-type",
    type=click.Choice(["support", "sales", "other"]),
    help="What the call is; default: decided from what is said.",
)
@click.option("--initial-prompt", help="Text that primes the recogniser.")
def process(
    files: tuple[str, ...],
    as_json: bool,
    **options: Any,
) -> None:
    """Transcribe, summarise and sync recordings here and now, with a progress bar."""
    from agent.core.call_states import CallStatus
    from api.startup import start_container

    meta = _cli_metadata(options)
    container = start_container(_settings())
    call_ids = [_process_one(container, Path(name), meta) for name in files]
    # No outbox poller runs after this command: what waits for the CRM's batch window goes now.
    container.pipeline.crm_sync.flush()
    results = [_detail(container, call_id) if call_id else None for call_id in call_ids]
    for detail in results:
        if detail is not None:
            click.echo(detail.model_dump_json() if as_json else _human(detail))
    if any(detail is None or detail.status == CallStatus.FAILED for detail in results):
        sys.exit(1)


def _cli_metadata(options: dict[str, Any]) -> CallMetadata:
    from pydantic import ValidationError

    from agent.calls.service import CallMetadata

    given = {key: value for key, value in options.items() if value is not None}
    try:
        return CallMetadata.model_validate(given)
    except ValidationError as error:
        messages = "; ".join(_option_error(e["loc"], e["msg"]) for e in error.errors())
        raise click.BadParameter(messages) from error


def _option_error(where: tuple[int | str, ...], message: str) -> str:
    """``--started-at: <pydantic's message>``, naming the option a person typed, without
    pydantic's "Value error, " prefix on messages our own validators wrote."""
    message = message.removeprefix("Value error, ")
    if not where:
        return message
    return f"--{str(where[0]).replace('_', '-')}: {message}"


def _process_one(container: Container, path: Path, meta: CallMetadata) -> str | None:
    """Runs the call's stages; its id, or None when the file was refused."""
    from sqlmodel import Session
    from tqdm import tqdm

    from agent.calls.intake import UploadRejected
    from agent.calls.service import create_call_from_file

    settings = container.settings
    with Session(container.engine) as session:
        try:
            call = create_call_from_file(
                session,
                container.store,
                path,
                meta,
                settings.default_channel_map,
                settings.max_upload_bytes,
            )
        except UploadRejected as error:
            click.echo(f"{path}: {error}", err=True)
            return None
        session.commit()
        call_id = call.id
    with tqdm(total=100, desc=path.name, unit="%", file=sys.stderr, leave=False) as bar:
        container.pipeline.advance(call_id, on_progress=lambda share: _move(bar, share))
    return call_id


def _detail(container: Container, call_id: str) -> CallDetail:
    from sqlmodel import Session

    from agent.calls.views import call_detail
    from agent.core.tables import Call

    with Session(container.engine) as session:
        return call_detail(session, session.get_one(Call, call_id))


def _move(bar: tqdm, share: float) -> None:
    bar.update(round(share * 100) - bar.n)


def _human(detail: CallDetail) -> str:
    lines = [f"{detail.id}  {detail.filename}  {detail.status}"]
    if detail.failure_reason:
        lines.append(f"  reason: {detail.failure_reason}")
    if detail.summary:
        made = detail.summary
        lines.append(f"  summary: {made.text}")
        lines.append(f"  made by: {made.engine} {made.model} (prompt {made.prompt_version})")
    for item in detail.action_items:
        due = item.due_date.isoformat() if item.due_date else "no due date"
        lines.append(f"  - [{item.owner}] {item.description} ({due})")
    return "\n".join(lines)


@main.command()
@click.argument("call_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in TranscriptFormat]),
    default=TranscriptFormat.TXT.value,
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
def transcript(call_id: str, fmt: str, output: str | None) -> None:
    """Print a call's transcript as text, JSON (with word timestamps), SRT or WebVTT."""
    from sqlmodel import Session

    from agent.calls.exports import render
    from agent.calls.views import transcript_document
    from agent.core.db import make_engine
    from agent.core.tables import Call

    engine = make_engine(_settings().database_url)
    with Session(engine) as session:
        call = session.get(Call, call_id)
        if call is None:
            raise click.ClickException(f"no call {call_id!r}; `callsight process` prints call ids")
        if call.duration_s is None:
            raise click.ClickException(f"call {call_id} has no transcript yet ({call.status})")
        text = render(transcript_document(session, call), TranscriptFormat(fmt))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


main.add_command(kpis_command)
main.add_command(import_command)
main.add_command(engagement_command)
main.add_command(engagement_sync_command)


@main.group()
def keys() -> None:
    """API keys."""


@keys.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True, help="Who the key is for.")
@click.option("--email", help="Their email; a rep's calls are matched by it.")
def keys_create(role: str, name: str, email: str | None) -> None:
    """Create a key and print it; it is shown only this once."""
    from agent.audit import log as audit
    from agent.auth.keys import Role, create_key
    from agent.core.db import make_engine, upgrade
    from agent.core.transactions import unit_of_work

    settings = _settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with unit_of_work(engine) as session:
        token = create_key(session, Role(role), name, email)
        described = audit.key_described(token, Role(role), name)
        audit.record(session, _console_actor(), audit.Action.KEY_CREATED, target=described)
    click.echo(token)


@keys.command("list")
def keys_list() -> None:
    """Every key: prefix, role, name, created, last used, revoked (never the secret)."""
    from sqlmodel import Session, col, select

    from agent.core.db import make_engine, upgrade
    from agent.core.tables import ApiKey

    settings = _settings()
    upgrade(settings.database_url)
    with Session(make_engine(settings.database_url)) as session:
        rows = session.exec(select(ApiKey).order_by(col(ApiKey.created_at))).all()
        for key in rows:
            revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
            click.echo(
                f"{key.prefix}\t{key.role}\t{key.name}\t"
                f"created {key.created_at:%Y-%m-%d %H:%M}\t{used}\t{revoked}"
            )


@keys.command("revoke")
@click.argument("prefix")
def keys_revoke(prefix: str) -> None:
    """Revoke the key with this prefix (the part after cs_ in the token, or `keys list`).

    It stops working at once, with the browser sessions it opened."""
    from sqlmodel import select

    from agent.audit import log as audit
    from agent.core.db import make_engine, upgrade
    from agent.core.tables import ApiKey, utcnow
    from agent.core.transactions import unit_of_work

    settings = _settings()
    upgrade(settings.database_url)
    wanted = prefix.removeprefix("cs_").split("_", 1)[0]
    with unit_of_work(make_engine(settings.database_url)) as session:
        key = session.exec(select(ApiKey).where(ApiKey.prefix == wanted)).first()
        if key is None:
            raise click.BadParameter(f"no key has the prefix {wanted!r}; see callsight keys list")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            session.add(key)
            target = f"key {key.prefix} ({key.name})"
            audit.record(session, _console_actor(), audit.Action.KEY_REVOKED, target=target)
        click.echo(f"revoked {key.prefix} ({key.name}, {key.role})")


def _console_actor() -> Actor:
    """Whoever runs the command, by their login name: the console has no key."""
    import getpass

    from agent.audit.log import Actor, Via

    return Actor(f"{getpass.getuser()} (command line)", Via.CLI)


@main.group("audit")
def audit_group() -> None:
    """The audit log: who read or changed what."""


@audit_group.command("purge")
def audit_purge() -> None:
    """Delete audit records older than CALLSIGHT_AUDIT_RETENTION_DAYS."""
    from agent.audit.log import purge_apart
    from agent.core.db import make_engine, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    purged = purge_apart(engine, settings.audit_retention_days)
    engine.dispose()
    click.echo(f"{purged} audit record(s) older than {settings.audit_retention_days} days deleted")


@audit_group.command("list")
@click.option("--actor", help="A key's prefix or its holder's name.")
@click.option("--call", "call_id", help="A call's id.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def audit_list(actor: str | None, call_id: str | None, limit: int) -> None:
    """The newest audit records, one a line, tab-separated."""
    from sqlmodel import Session

    from agent.audit.log import AuditFilters, find
    from agent.core.db import make_engine, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        rows, _total = find(session, AuditFilters(actor=actor, call_id=call_id), limit, 0)
        for row in rows:
            fields = (row.at.isoformat(), row.action, row.via, row.actor, row.key_prefix)
            more = (row.address, row.call_id, row.target)
            click.echo("\t".join(value or "-" for value in (*fields, *more)))
    engine.dispose()


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply schema migrations."""
    from agent.core.db import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database at revision {revision}: {_safe_url(settings.database_url)}")


@db.command("relocalise")
def db_relocalise() -> None:
    """Recompute KPI and engagement days and months after CALLSIGHT_BUSINESS_TIMEZONE changed."""
    from agent.core.db import make_engine, upgrade
    from agent.core.transactions import unit_of_work
    from agent.engagement.relocalise import relocalise_engagement
    from agent.kpis.relocalise import relocalise

    settings = _settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)

    def progress(table: str, done: int) -> None:
        click.echo(f"{table}: {done} row(s)", err=True)

    with unit_of_work(engine) as session:
        count = relocalise(session, settings.kpi_config, progress)
        count += relocalise_engagement(session, settings.kpi_config, progress)
    engine.dispose()
    click.echo(f"{count} row(s) now in {settings.business_timezone} days")


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
