"""The sample call the project ships, processed on request when the service starts."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlmodel import Session

from agent.calls.service import CallMetadata, create_call_from_file, find_by_audio_hash
from agent.processing.runner import Runner
from api.composition import Container

log = logging.getLogger(__name__)

SAMPLE_CALL = Path(__file__).resolve().parents[1] / "examples" / "support-call.flac"
SAMPLE_METADATA = CallMetadata(
    customer_name="Emma Brown",
    agent_name="Sam",
    agent_email="sam@northwind.example",
)


def queue_sample(container: Container, runner: Runner) -> str | None:
    """Queue the sample call unless it was processed before; returns its call id."""
    if not SAMPLE_CALL.exists():
        log.warning("no sample call at %s; skipping it", SAMPLE_CALL)
        return None
    sha256 = hashlib.sha256(SAMPLE_CALL.read_bytes()).hexdigest()
    with Session(container.engine) as session:
        call = find_by_audio_hash(session, sha256)
        if call is None:
            call = create_call_from_file(
                session,
                container.store,
                SAMPLE_CALL,
                SAMPLE_METADATA,
                container.settings.default_channel_map,
                container.settings.max_upload_bytes,
            )
            session.commit()
        call_id = call.id
    runner.submit(call_id)
    print(f"  Sample call {call_id}: GET /api/v1/calls/{call_id}", flush=True)
    return call_id
