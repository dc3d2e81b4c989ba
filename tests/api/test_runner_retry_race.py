"""The embedded runner must not drop a call submitted while the runner still holds it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from agent.calls import use_cases
from agent.calls.service import CallMetadata, create_call_from_file
from agent.core.call_states import CallStatus
from agent.core.domain import CrmEvent
from agent.core.settings import Settings
from agent.core.tables import Call
from agent.core.transactions import commit
from agent.processing.runner import ThreadPoolRunner
from api.startup import start_container
from support.polling import wait_for


class RetryAtTheWorstMoment:
    """Subscribers told of the first failure retry the call at once: while the runner that
    failed it has not yet let go of it."""

    def __init__(self) -> None:
        self.failures = 0
        self.runner: ThreadPoolRunner | None = None
        self.engine = None

    def publish(self, events: Sequence[CrmEvent]) -> None:
        for event in events:
            if event.event_type != "call.failed":
                continue
            self.failures += 1
            if self.failures == 1:
                self._retry(str(event.data["call_id"]))

    def _retry(self, call_id: str) -> None:
        assert self.runner is not None and self.engine is not None
        with Session(self.engine) as session:
            call = session.get_one(Call, call_id)
            use_cases.retry_call(session, call, self.runner)
            commit(session)


def test_a_retry_while_the_runner_still_holds_the_call_runs_it_again(
    settings: Settings, tmp_path: Path
) -> None:
    container = start_container(settings)
    subscriber = RetryAtTheWorstMoment()
    container.pipeline.events = subscriber
    runner = ThreadPoolRunner(container.pipeline, workers=1)
    subscriber.runner, subscriber.engine = runner, container.engine
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    with Session(container.engine) as session:
        call = create_call_from_file(
            session, container.store, corrupt, CallMetadata(), "agent,customer", 10**6
        )
        session.commit()
        call_id = call.id
    try:
        runner.submit(call_id)
        # Before the fix the retry was dropped: one failure, and the call stayed queued.
        wait_for(lambda: subscriber.failures == 2, timeout=60)
        with Session(container.engine) as session:
            assert session.get_one(Call, call_id).status == CallStatus.FAILED
    finally:
        runner.shutdown()
        container.engine.dispose()
