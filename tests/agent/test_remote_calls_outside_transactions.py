"""No database transaction stays open while a remote peer (the CRM, a webhook subscriber) works."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
import requests
import trustme
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from agent.core.domain import CrmEvent, CrmLinks, CrmWrite, CrmWriteResult, MatchHint
from agent.core.tables import (
    Call,
    CrmOutbox,
    Customer,
    Summary,
    WebhookDelivery,
    WebhookSubscription,
)
from agent.crm import payloads
from agent.crm.sync import CrmSync, FlushReport, RetryPolicy
from agent.webhooks.outbound import WebhookDeliveries
from integrations.http_webhooks import HttpWebhookTransport
from integrations.salesforce import ClientCredentials, SalesforceConnection, SalesforceCrm
from support.factories import make_call_ready_for_crm
from support.http_peer import HttpPeer
from support.salesforce_emulator import SalesforceEmulator

FAST = RetryPolicy(base_s=0.001, cap_s=0.01, max_attempts=60)


class GatedOrg(SalesforceEmulator):
    """The emulator, able to hold every record write until the test lets it through."""

    def __init__(self, ca: trustme.CA) -> None:
        super().__init__(ca)
        self.gated = False
        self.writing, self.release = threading.Event(), threading.Event()

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        if self.gated and path.startswith("composite/sobjects") and method != "GET":
            self.writing.set()
            self.release.wait(timeout=20)
        return super().handle(method, path, query, body)


class PoolWatch:
    """Notes how many of the engine's connections are checked out at each remote call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, int]] = []

    def note(self, what: str) -> None:
        self.seen.append((what, self.engine.pool.checkedout()))  # type: ignore[attr-defined]


class WatchedCrm:
    def __init__(self, inner: SalesforceCrm, watch: PoolWatch) -> None:
        self.name, self.inner, self.watch = inner.name, inner, watch

    def write(self, writes: Sequence[CrmWrite]) -> list[CrmWriteResult]:
        self.watch.note("write")
        return self.inner.write(writes)

    def match(self, hints: Sequence[MatchHint]) -> list[CrmLinks | None]:
        self.watch.note("match")
        return self.inner.match(hints)


class WatchedTransport:
    def __init__(self, inner: HttpWebhookTransport, watch: PoolWatch) -> None:
        self.inner, self.watch = inner, watch

    def refusal(self, url: str) -> str | None:
        return self.inner.refusal(url)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.watch.note("post")
        return self.inner.post(url, body, headers)


@pytest.fixture
def gated_org(test_ca: trustme.CA) -> Iterator[GatedOrg]:
    org = GatedOrg(test_ca)
    org.start()
    yield org
    org.release.set()
    org.stop()


def salesforce(org: SalesforceEmulator, session: requests.Session) -> SalesforceCrm:
    auth = ClientCredentials(org.url, org.client_id, org.client_secret)
    return SalesforceCrm(SalesforceConnection(auth, session, timeout_s=30))


def make_sync(engine: Engine, crm: Any) -> CrmSync:
    return CrmSync(engine, crm, policy=FAST, batch_size=200, rng=random.Random(7))


def seeded_call(engine: Engine, org: SalesforceEmulator, items: int = 1) -> str:
    org.add("Contact", LastName="Ng", Email="ana@acme.test")
    with Session(engine) as session:
        return make_call_ready_for_crm(session, email="ana@acme.test", items=items)


def flush_while_held(pool: ThreadPoolExecutor, sync: CrmSync, org: GatedOrg) -> Future[FlushReport]:
    """Starts a flush and returns once its first record write is held at the CRM."""
    org.gated = True
    flushing = pool.submit(sync.flush)
    assert org.writing.wait(timeout=20), "the flush never reached the CRM"
    return flushing


def outbox(engine: Engine) -> list[CrmOutbox]:
    with Session(engine) as session:
        return list(session.exec(select(CrmOutbox).order_by(CrmOutbox.id)))  # type: ignore[arg-type]


def call_status(engine: Engine, call_id: str) -> str:
    with Session(engine) as session:
        call = session.get(Call, call_id)
        assert call is not None
        return call.status


# Row locks and transactions left open are seen on PostgreSQL, so this one runs there only.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_while_salesforce_holds_a_write_another_connection_locks_and_updates_the_call_rows(
    engine: Engine, gated_org: GatedOrg, https_session: requests.Session
) -> None:
    call_id = seeded_call(engine, gated_org)
    sync = make_sync(engine, salesforce(gated_org, https_session))
    with ThreadPoolExecutor(1) as pool:
        try:
            flushing = flush_while_held(pool, sync, gated_org)
            with engine.connect() as other, other.begin():
                # A lock wait becomes an error here, not a slow test.
                other.execute(text("SET LOCAL lock_timeout = '2s'"))
                idle = other.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                    )
                ).scalar_one()
                assert idle == 0
                ids = {"id": call_id}
                other.execute(text("SELECT id FROM call WHERE id = :id FOR UPDATE NOWAIT"), ids)
                other.execute(
                    text("SELECT id FROM crm_outbox WHERE call_id = :id FOR UPDATE NOWAIT"), ids
                )
                other.execute(text("UPDATE call SET updated_at = now() WHERE id = :id"), ids)
                other.execute(
                    text("UPDATE crm_outbox SET last_error = NULL WHERE call_id = :id"), ids
                )
        finally:
            gated_org.release.set()
        report = flushing.result(timeout=30)
    assert report.done_calls == [call_id]
    rows = outbox(engine)
    assert len(rows) == 2 and all(r.status == "written" and r.crm_id for r in rows)
    assert len(gated_org.of_type("Task")) == 2


def test_no_connection_is_checked_out_while_the_crm_matches_and_writes(
    engine: Engine, sf_org: SalesforceEmulator, https_session: requests.Session
) -> None:
    call_id = seeded_call(engine, sf_org, items=2)
    watch = PoolWatch(engine)
    sync = make_sync(engine, WatchedCrm(salesforce(sf_org, https_session), watch))
    report = sync.flush()
    assert report.done_calls == [call_id]
    assert [what for what, _ in watch.seen] == ["match", "write"]
    assert watch.seen == [("match", 0), ("write", 0)]


def test_no_connection_is_checked_out_while_a_webhook_is_posted(engine: Engine) -> None:
    watch = PoolWatch(engine)
    with HttpPeer() as peer, Session(engine) as session:
        for path in ("/ok", "/broken"):
            session.add(
                WebhookSubscription(
                    url=f"{peer.url}{path}", secret="s" * 20, events=["call.synced"]
                )
            )
        session.commit()
        session.close()
        peer.statuses.extend([200, 500])
        transport = WatchedTransport(HttpWebhookTransport(allow_private=True), watch)
        deliveries = WebhookDeliveries(engine, transport, policy=FAST)
        deliveries.publish([CrmEvent("e-1", "call.synced", {"call_id": "c-1"})])
        assert deliveries.deliver_due() == 2
    assert watch.seen == [("post", 0), ("post", 0)]
    with Session(engine) as session:
        rows = list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)))  # type: ignore[arg-type]
    assert [(r.status, r.attempts, r.last_status_code) for r in rows] == [
        ("delivered", 1, 200),
        ("pending", 1, 500),
    ]
    assert rows[1].next_attempt_at is not None


def test_a_record_edited_while_its_write_is_in_flight_is_sent_again_with_the_edit(
    engine: Engine, gated_org: GatedOrg, https_session: requests.Session
) -> None:
    call_id = seeded_call(engine, gated_org)
    sync = make_sync(engine, salesforce(gated_org, https_session))
    with ThreadPoolExecutor(1) as pool:
        try:
            flushing = flush_while_held(pool, sync, gated_org)
            edited = refill_with_new_summary(engine, call_id, "Refund issued instead.")
        finally:
            gated_org.release.set()
        report = flushing.result(timeout=30)
    # The flush sends the edited row again rather than marking it written with the old text.
    assert report.done_calls == [call_id] and report.sent == 3
    tasks = {t["Callsight_Id__c"]: t for t in gated_org.of_type("Task")}
    assert len(tasks) == 2 and len(gated_org.of_type("Task")) == 2
    activity = {r.external_id: r for r in outbox(engine)}[f"callsight-call-{call_id}"]
    assert (activity.status, activity.payload) == ("written", edited)
    assert tasks[activity.external_id]["Description"].startswith("Refund issued instead.")
    assert tasks[activity.external_id]["Id"] == activity.crm_id


def refill_with_new_summary(engine: Engine, call_id: str, text_: str) -> dict[str, object]:
    """What another worker's refill after an edit leaves: a new summary, a new payload."""
    with Session(engine) as session:
        call, summary = session.get(Call, call_id), session.get(Summary, call_id)
        assert call is not None and summary is not None and call.customer_id is not None
        summary.text = text_
        customer = session.get(Customer, call.customer_id)
        fields = payloads.call_activity(call, summary, customer).fields
        row = session.exec(
            select(CrmOutbox).where(CrmOutbox.external_id == f"callsight-call-{call_id}")
        ).one()
        row.payload, row.attempts, row.next_attempt_at = dict(fields), 0, None
        session.add_all([summary, row])
        session.commit()
    return fields
