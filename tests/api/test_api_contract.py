"""Schemathesis against the OpenAPI schema, in-process on a seeded SQLite database, as an
admin and as a rep: no 5xx, every answer matches its documented schema, and every status a
route answers is documented.

Path ids are either generated (mostly unknown ids) or the seeded rows' ids, so routes reach
their success paths too. ``POST /api/v1/calls`` takes generated multipart bodies, which are
never audio: the route's refusals (400, 415, 422) are what generation can check; uploads of
real audio are covered by the upload tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from agent.core.db import upgrade
from agent.core.settings import Settings
from api.app import create_app
from support.world import World, revoke_the_revoked_key, seed_world

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 25  # per operation and role: about 15 s for the whole schema


@pytest.fixture(scope="module")
def world_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("contract")
    settings = Settings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'callsight.db'}", runner_workers=1
    )
    upgrade(settings.database_url)
    return settings


@pytest.fixture(scope="module")
def world(world_settings: Settings) -> World:
    world = seed_world(world_settings)
    revoke_the_revoked_key(world_settings)
    return world


@pytest.fixture(scope="module")
def app(world_settings: Settings, world: World) -> Iterator[FastAPI]:
    application = create_app(world_settings)
    with TestClient(application):
        yield application


def _seeded_ids(world: World) -> dict[str, Any]:
    return {
        "call_id": world.call_id,
        "customer_id": world.customer_id,
        "subscription_id": world.subscription_id,
    }


# The schema alone needs no database: the app is started by the ``app`` fixture.
schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.mark.parametrize("role", ["admin", "rep owner"])
@schema.parametrize()
@schema.given(seeded=st.booleans())
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: Any, seeded: bool, role: str, app: FastAPI, world: World
) -> None:
    _call_and_validate(case, seeded, world.tokens[role], app, world)


def _call_and_validate(case: Any, seeded: bool, token: str, app: FastAPI, world: World) -> None:
    if seeded:
        known = _seeded_ids(world)
        case.path_parameters = {
            name: known.get(name, value) for name, value in (case.path_parameters or {}).items()
        }
    headers = {"Authorization": f"Bearer {token}"}
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
