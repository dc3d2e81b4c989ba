"""Scale-out for real: `callsight serve` with a broker, `callsight worker` processes on a Redis of
the test's own, PostgreSQL, and the faults an operator meets: killed workers, a Redis restart,
database connections cut. Every call must end done (or failed with a reason), once."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import trustme
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session, select

from agent.auth.keys import Role
from agent.core.db import upgrade
from agent.core.settings import Settings
from agent.core.tables import Call, CrmOutbox, Summary, TranscriptSegment, WebhookDelivery
from api.worker.celery_app import make_celery
from integrations.local_crm import LocalCrmRecord
from support.factories import count_rows
from support.keys import make_token
from support.openai_server import Reply, fake_openai_server
from support.polling import wait_for
from support.redis_server import RedisServer
from support.salesforce_emulator import SalesforceEmulator
from support.samples import SAMPLE_CALL
from support.server import Server
from support.workers import Worker, cluster_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize(
        "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
    ),
]

RESTING = {"done", "failed", "review", "unmatched"}


@dataclass
class Cluster:
    settings: Settings
    engine: Engine
    redis: RedisServer
    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    api: Server | None = None
    workers: list[Worker] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return cluster_env(self.settings, self.redis.url, **self.extra_env)

    def start_api(self) -> Server:
        self.api = Server(self.settings, self.folder / "api.log", self.env)
        self.api.start()
        return self.api

    def start_worker(self, queues: str = "asr,io", beat: bool = False) -> Worker:
        log = self.folder / f"worker-{len(self.workers)}.log"
        worker = Worker(self.env, log, queues, beat).start()
        self.workers.append(worker)
        return worker

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(self.settings, Role.ADMIN, 'Ada')}"}

    def upload(self, name: str = "call.flac", **data: str) -> str:
        assert self.api is not None
        with SAMPLE_CALL.open("rb") as audio:
            answer = httpx.post(
                f"{self.api.url}/api/v1/calls",
                headers=self.headers,
                files={"file": (name, audio)},
                data=data,
                timeout=30,
            )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def statuses(self, call_ids: list[str]) -> dict[str, str]:
        with Session(self.engine) as session:
            rows = session.exec(select(Call).where(Call.id.in_(call_ids)))  # type: ignore[attr-defined]
            return {call.id: call.status.value for call in rows}

    def status(self, call_id: str) -> str:
        return self.statuses([call_id])[call_id]

    def wait_resting(self, call_ids: list[str], timeout: float = 240) -> dict[str, str]:
        def resting() -> dict[str, str] | None:
            found = self.statuses(call_ids)
            return found if all(s in RESTING for s in found.values()) else None

        try:
            result: dict[str, str] = wait_for(resting, timeout=timeout, interval=0.5)
        except AssertionError:
            print(self.logs())
            raise
        return result

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.api is not None:
            self.api.stop()
        self.redis.stop()


@pytest.fixture
def cluster(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Cluster]:
    upgrade(settings.database_url)
    folder = tmp_path / "cluster"
    folder.mkdir()
    running = Cluster(settings, engine, RedisServer(folder).start(), folder)
    yield running
    running.stop()


def assert_done_once(cluster: Cluster, call_ids: list[str]) -> None:
    """Every call done, its transcript stored once, each CRM record written exactly once."""
    statuses = cluster.wait_resting(call_ids)
    with Session(cluster.engine) as session:
        for call_id in call_ids:
            call = session.get_one(Call, call_id)
            assert statuses[call_id] == "done", (call_id, call.failure_reason, cluster.logs())
            assert call.lease_owner is None
            turns = session.exec(
                select(TranscriptSegment.start_s, TranscriptSegment.speaker).where(
                    TranscriptSegment.call_id == call_id
                )
            ).all()
            assert len(turns) > 10 and len(turns) == len(set(turns))
            written = count_rows(session, CrmOutbox, call_id=call_id, status="written")
            assert written == count_rows(session, CrmOutbox, call_id=call_id) >= 2
        outbox = session.exec(select(CrmOutbox).where(CrmOutbox.call_id.in_(call_ids))).all()  # type: ignore[attr-defined]
        records = list(session.exec(select(LocalCrmRecord)))
    expected = {(row.object_type, row.external_id) for row in outbox}
    stored = [(r.object_type, r.external_id) for r in records if r.external_id]
    assert sorted(key for key in stored if key in expected) == sorted(expected)
    _assert_no_temp_files(cluster)


def _assert_no_temp_files(cluster: Cluster) -> None:
    audio = cluster.settings.data_dir / "audio"
    assert not [p for p in audio.rglob(".upload-*")], "a partial upload was left behind"
    leftovers = [p.name for p in Path(tempfile.gettempdir()).glob("callsight-*")]
    assert not leftovers, leftovers


def test_stages_run_on_their_own_queues_and_each_call_once(cluster: Cluster) -> None:
    cluster.start_api()
    asr = cluster.start_worker("asr")
    io = cluster.start_worker("io", beat=True)
    call_ids = [cluster.upload(f"call-{n}.flac") for n in range(2)]

    assert_done_once(cluster, call_ids)
    assert "callsight.transcribe[" in asr.log() and "callsight.summarise[" not in asr.log()
    assert "callsight.summarise[" in io.log() and "callsight.transcribe[" not in io.log()


def test_two_workers_racing_for_one_call_transcribe_it_once(cluster: Cluster) -> None:
    with Session(cluster.engine) as session:
        from agent.core.tables import WebhookSubscription

        session.add(
            WebhookSubscription(
                url="http://127.0.0.1:9/", secret="s" * 32, events=["call.transcribed"]
            )
        )
        session.commit()
    cluster.start_api()
    call_id = cluster.upload()
    celery = make_celery(cluster.settings.model_copy(update={"broker_url": cluster.redis.url}))
    for _ in range(3):  # the same call offered again, as a redelivery or a sweep would
        celery.send_task("callsight.transcribe", args=[call_id], queue="asr")
    cluster.start_worker("asr")
    cluster.start_worker("asr")
    cluster.start_worker("io", beat=True)

    assert_done_once(cluster, [call_id])
    with Session(cluster.engine) as session:
        transcribed = count_rows(session, WebhookDelivery, event_type="call.transcribed")
    assert transcribed == 1
    taken = sum(w.log().count("callsight.transcribe[") for w in cluster.workers[:2])
    assert taken >= 4  # every message was run, and all but one found the call taken or done


def test_a_worker_killed_mid_transcription_leaves_its_call_to_another(cluster: Cluster) -> None:
    cluster.start_api()
    doomed = cluster.start_worker("asr")
    cluster.start_worker("io", beat=True)
    call_id = cluster.upload()
    wait_for(lambda: cluster.status(call_id) == "transcribing", timeout=60, interval=0.05)
    doomed.kill()
    with Session(cluster.engine) as session:
        assert session.get_one(Call, call_id).lease_owner is not None
    cluster.start_worker("asr")

    assert_done_once(cluster, [call_id])


def test_a_worker_killed_mid_crm_sync_leaves_nothing_doubled(cluster: Cluster) -> None:
    cluster.extra_env["CALLSIGHT_CRM_SYNC_MODE"] = "after_review"
    cluster.start_api()
    cluster.start_worker("asr")
    summariser = cluster.start_worker("io", beat=True)
    call_ids = [cluster.upload(f"call-{n}.flac") for n in range(3)]
    cluster.wait_resting(call_ids)
    assert set(cluster.statuses(call_ids).values()) == {"review"}
    summariser.stop()
    # The sync of three approved calls, with an io worker killed while it writes.
    doomed = cluster.start_worker("io", beat=True)
    approver = threading.Thread(target=_approve_all, args=(cluster, call_ids))
    approver.start()
    wait_for(lambda: "callsight.sync[" in doomed.log(), timeout=60, interval=0.01)
    doomed.kill()
    approver.join()
    cluster.start_worker("io", beat=True)

    assert_done_once(cluster, call_ids)


def _approve_all(cluster: Cluster, call_ids: list[str]) -> None:
    assert cluster.api is not None
    for call_id in call_ids:
        url = f"{cluster.api.url}/api/v1/calls/{call_id}/approve"
        answer = httpx.post(url, headers=cluster.headers, timeout=30)
        assert answer.status_code == 200, answer.text


def test_a_redis_restart_mid_run_loses_no_call(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.start_worker("asr")
    cluster.start_worker("io", beat=True)
    call_ids = [cluster.upload(f"call-{n}.flac") for n in range(3)]
    wait_for(lambda: "transcribing" in cluster.statuses(call_ids).values(), timeout=60)
    cluster.redis.restart()  # the queued messages are gone; the sweeper sends the calls again

    assert_done_once(cluster, call_ids)


def test_database_connections_cut_mid_run_lose_no_call(cluster: Cluster) -> None:
    cluster.start_api()
    cluster.start_worker("asr")
    cluster.start_worker("io", beat=True)
    call_ids = [cluster.upload(f"call-{n}.flac") for n in range(3)]
    wait_for(lambda: "transcribing" in cluster.statuses(call_ids).values(), timeout=60)
    database = cluster.engine.url.database
    admin = create_engine(cluster.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    cut = 0
    with admin.connect() as connection:
        for _ in range(6):
            cut += len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                ).all()
            )
            threading.Event().wait(1.5)
    admin.dispose()
    assert cut > 0

    assert_done_once(cluster, call_ids)


def test_a_flaky_crm_and_a_timing_out_llm_still_end_every_call_once(
    cluster: Cluster, sf_org: SalesforceEmulator, test_ca: trustme.CA
) -> None:
    bundle = cluster.folder / "ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    contact = sf_org.add("Contact", LastName="Ng", Email="ana@acme.test")
    case = sf_org.add("Case", ContactId=contact, Status="New", Subject="Refund")
    sf_org.fail_rate = 0.3
    sf_org.fail_kinds = ("503", "403", "401", "lost", "lock")
    # A flush is a few composite requests, too few for the random faults alone to be sure.
    sf_org.faults.extend(["503", "lost", "401"])
    with fake_openai_server() as llm:
        llm.default = lambda body: Reply({"summary": "late"}, delay_s=5)
        cluster.extra_env.update(
            {
                "CALLSIGHT_CRM": "salesforce",
                "CALLSIGHT_SALESFORCE_LOGIN_URL": sf_org.url,
                "CALLSIGHT_SALESFORCE_CLIENT_ID": sf_org.client_id,
                "CALLSIGHT_SALESFORCE_CLIENT_SECRET": sf_org.client_secret,
                "CALLSIGHT_SALESFORCE_CA_BUNDLE": str(bundle),
                "CALLSIGHT_CRM_RETRY_BASE_S": "0.2",
                "CALLSIGHT_CRM_RETRY_CAP_S": "2",
                "CALLSIGHT_CRM_RETRY_MAX_ATTEMPTS": "40",
                "CALLSIGHT_CRM_BATCH_WINDOW_S": "1",
                "CALLSIGHT_LLM_BASE_URL": llm.url,
                "CALLSIGHT_LLM_API_KEY": "sk-test",
                "CALLSIGHT_LLM_TIMEOUT_S": "1",
                "CALLSIGHT_LLM_MAX_RETRIES": "0",
            }
        )
        cluster.start_api()
        cluster.start_worker("asr")
        cluster.start_worker("io", beat=True)
        call_ids = [
            cluster.upload(f"call-{n}.flac", customer_email="ana@acme.test") for n in range(3)
        ]
        statuses = cluster.wait_resting(call_ids)
        asked_llm = len(llm.requests)

    assert set(statuses.values()) == {"done"}, (statuses, cluster.logs())
    assert asked_llm >= len(call_ids)
    faults = sum(n for kind, n in sf_org.request_counts.items() if kind.startswith("fault-"))
    assert faults >= 3
    with Session(cluster.engine) as session:
        summaries = [session.get_one(Summary, call_id) for call_id in call_ids]
        outbox = session.exec(select(CrmOutbox).where(CrmOutbox.call_id.in_(call_ids))).all()  # type: ignore[attr-defined]
    assert all("timed out" in str(s.details.get("fallback_reason", "")).lower() for s in summaries)
    tasks = [t for t in sf_org.of_type("Task") if t.get("Callsight_Id__c")]
    task_ids = [t["Callsight_Id__c"] for t in tasks]
    assert len(task_ids) == len(set(task_ids))
    expected_tasks = {row.external_id for row in outbox if row.object_type == "Task"}
    assert expected_tasks <= set(task_ids)
    comments = [c for c in sf_org.of_type("CaseComment") if c.get("ParentId") == case]
    comment_rows = [row for row in outbox if row.object_type == "CaseComment"]
    assert comment_rows
    assert len(comments) == len(comment_rows), (comments, [r.crm_id for r in comment_rows])


def test_a_text_conversation_needs_no_speech_worker(cluster: Cluster) -> None:
    cluster.start_api()
    io = cluster.start_worker("io")
    assert cluster.api is not None
    chat = (SAMPLE_CALL.parent / "chat-conversation.json").read_bytes()
    answer = httpx.post(
        f"{cluster.api.url}/api/v1/conversations",
        headers={**cluster.headers, "Content-Type": "application/json"},
        content=chat,
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    call_id = str(answer.json()["id"])
    assert cluster.wait_resting([call_id]) == {call_id: "done"}, cluster.logs()
    assert "callsight.summarise[" in io.log() and "callsight.transcribe[" not in io.log()
