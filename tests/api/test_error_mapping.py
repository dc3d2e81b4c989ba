"""Every error a person may see is a CallsightError, answered once as JSON and once as a page."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agent.core.errors import CallsightError
from agent.core.settings import Settings
from api.app import create_app

# The modules whose errors reach people; importing them registers their subclasses.
ERROR_MODULES = (
    "agent.calls.service",
    "agent.calls.intake",
    "agent.core.ports",
    "agent.kpis.surveys",
    "agent.kpis.history_import",
    "agent.webhooks.inbound",
    "agent.webhooks.signatures",
    "api.deps",
    "api.uploads.multipart",
)
MESSAGE = "Something a person can act on"


def every_error() -> list[type[CallsightError]]:
    for name in ERROR_MODULES:
        importlib.import_module(name)
    found: list[type[CallsightError]] = []
    waiting = [CallsightError]
    while waiting:
        cls = waiting.pop()
        found.append(cls)
        waiting.extend(cls.__subclasses__())
    return found


ERRORS = {cls.__qualname__: cls for cls in every_error()}


def raise_named(name: str) -> None:
    error = ERRORS[name].__new__(ERRORS[name])
    CallsightError.__init__(error, MESSAGE)  # some subclasses take other arguments
    raise error


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # The mapping does not depend on the database: one SQLite app serves the whole module.
    data = tmp_path_factory.mktemp("errors")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'errors.db'}")
    app: FastAPI = create_app(settings)
    app.add_api_route("/api/v1/test-errors/{name}", raise_named)
    app.add_api_route("/test-errors/{name}", raise_named)
    with TestClient(app) as client:
        yield client


def test_the_known_errors_of_each_domain_are_callsight_errors() -> None:
    for name in ("CallStateError", "UploadTooLarge", "SurveyRepeated", "SignatureError"):
        assert name in ERRORS
    for name in ("ImportRejected", "RecordingRefused", "BadUpload", "OutboundMessageError"):
        assert name in ERRORS


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_error_is_json_with_its_status_for_the_api(app_client: TestClient, name: str) -> None:
    response = app_client.get(f"/api/v1/test-errors/{name}", headers={"Accept": "text/html"})
    assert response.status_code == ERRORS[name].status_code
    assert response.json() == {"detail": MESSAGE}
    for header, value in ERRORS[name].headers.items():
        assert response.headers[header] == value


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_error_is_a_page_with_its_message_for_a_browser(
    app_client: TestClient, name: str
) -> None:
    response = app_client.get(f"/test-errors/{name}", headers={"Accept": "text/html"})
    assert response.status_code == ERRORS[name].status_code
    assert response.headers["content-type"].startswith("text/html")
    assert MESSAGE in response.text and "<html" in response.text.lower()


@pytest.mark.parametrize("name", ["NotFound", "CallStateError"])
def test_a_script_on_a_page_path_still_gets_json(app_client: TestClient, name: str) -> None:
    response = app_client.get(f"/test-errors/{name}", headers={"Accept": "application/json"})
    assert response.status_code == ERRORS[name].status_code
    assert response.json() == {"detail": MESSAGE}
