"""Liveness and readiness probes, and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy import text
from sqlmodel import Session, func, select

from agent.core.call_states import CallStatus
from agent.core.errors import Unavailable
from agent.core.tables import Call
from api.deps import ContainerDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(container: ContainerDep) -> dict[str, str]:
    try:
        with container.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        raise Unavailable(f"database: {error}") from error
    return {"status": "ready"}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(container: ContainerDep) -> str:
    """Calls by status in the Prometheus text format."""
    with Session(container.engine) as session:
        counts = dict(session.exec(select(Call.status, func.count()).group_by(Call.status)).all())
    lines = [
        "# HELP callsight_calls Calls by pipeline status.",
        "# TYPE callsight_calls gauge",
    ]
    lines += [f'callsight_calls{{status="{s.value}"}} {counts.get(s.value, 0)}' for s in CallStatus]
    return "\n".join(lines) + "\n"
