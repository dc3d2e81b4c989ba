"""Liveness and readiness probes, and Prometheus metrics."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Annotated, ClassVar

from fastapi import APIRouter, Depends, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from agent.core.errors import Unauthorized, Unavailable
from api.deps import ContainerDep
from api.error_responses import errors
from api.metrics import ClusterCollector, exposition

router = APIRouter(tags=["health"])

metrics_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="MetricsToken",
    description="CALLSIGHT_METRICS_TOKEN, when it is set.",
)


class MetricsTokenRequired(Unauthorized):
    headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": 'Bearer realm="metrics"'}


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=errors(503))
def readyz(container: ContainerDep) -> dict[str, str]:
    try:
        with container.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        raise Unavailable(f"database: {error}") from error
    return {"status": "ready"}


def require_metrics_token(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(metrics_bearer)],
) -> None:
    """With CALLSIGHT_METRICS_TOKEN set, only a scraper that sends it may read the metrics."""
    expected = container.settings.metrics_token.get_secret_value()
    if not expected:
        return
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise MetricsTokenRequired(
            "the metrics need the metrics token: send 'Authorization: Bearer <token>'"
        )


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(require_metrics_token)],
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **errors(401, 503)},
)
def metrics(container: ContainerDep) -> Response:
    """Cluster-wide figures from the database and the broker, and this process's own."""
    cluster = ClusterCollector(container.engine, container.queue_depths)
    try:
        body = exposition(cluster)
    except SQLAlchemyError as error:
        raise Unavailable(f"database: {error}") from error
    return Response(body, media_type=CONTENT_TYPE_LATEST)
