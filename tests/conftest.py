"""Shared fixtures: a real database on each backend, settings, the app, keys, test audio."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme
from fastapi.testclient import TestClient
from simple_salesforce import Salesforce
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agent.auth.keys import Role
from agent.core.db import make_engine, upgrade
from agent.core.settings import Settings
from api.app import create_app
from support.keys import make_token
from support.s3_server import S3Server
from support.salesforce_emulator import SalesforceEmulator

POSTGRES_URL = os.environ.get(
    "CALLSIGHT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_REQUIRED = os.environ.get("CALLSIGHT_REQUIRE_POSTGRES") == "1"


def _postgres_unavailable(reason: str) -> None:
    if POSTGRES_REQUIRED:
        pytest.fail(f"PostgreSQL is required (CALLSIGHT_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database, migrated once for the whole run."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"callsight_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        _postgres_unavailable(str(error).splitlines()[0])
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{table}"' for table in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, or the shared PostgreSQL test database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'callsight.db'}"
        upgrade(url)
        return url
    url: str = request.getfixturevalue("postgres_database")
    _truncate_all(url)
    return url


@pytest.fixture(scope="session", autouse=True)
def shared_model_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The multilingual model is joined once per run, not once per test's data folder."""
    cache = tmp_path_factory.getbasetemp() / "models"
    os.environ.setdefault("CALLSIGHT_ASR_CACHE_DIR", str(cache))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, runner_workers=1)


@pytest.fixture
def engine(settings: Settings):  # type: ignore[no-untyped-def]
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def admin_headers(client: TestClient, settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(settings, Role.ADMIN, 'Ada Admin')}"}


@pytest.fixture
def lead_headers(client: TestClient, settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(settings, Role.LEAD, 'Lee Lead')}"}


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    """A certificate authority made for this test run; loopback servers present its certs."""
    return trustme.CA()


@pytest.fixture
def sf_org(test_ca: trustme.CA) -> Iterator[SalesforceEmulator]:
    org = SalesforceEmulator(test_ca).start()
    yield org
    org.stop()


@pytest.fixture
def https_session(test_ca: trustme.CA, tmp_path: Path) -> Iterator[requests.Session]:
    """A requests session that trusts the test CA (and ignores REQUESTS_CA_BUNDLE)."""
    bundle = tmp_path / "test-ca.pem"
    test_ca.cert_pem.write_to_path(str(bundle))
    session = requests.Session()
    session.trust_env = False
    session.verify = str(bundle)
    yield session
    session.close()


@pytest.fixture
def sf(sf_org: SalesforceEmulator, https_session: requests.Session) -> Iterator[Salesforce]:
    """simple-salesforce signed in to the emulator with a client-credentials token."""
    form = {
        "grant_type": "client_credentials",
        "client_id": sf_org.client_id,
        "client_secret": sf_org.client_secret,
    }
    token = sf_org.issue_token(form)[1]
    yield Salesforce(
        instance_url=sf_org.url, session_id=token["access_token"], session=https_session
    )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """An empty bucket of this test's own on the S3-compatible server."""
    return s3_server.new_bucket()
