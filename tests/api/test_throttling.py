"""Throttling: wrong keys per client address and per key prefix, uploads per key per hour."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from agent.auth.keys import Refusal, Role
from agent.auth.throttle import SignInAttempt, Throttle, ThrottlePolicy
from agent.core.errors import TooManyRequests
from agent.core.settings import Settings
from agent.core.tables import ApiKey, Call, utcnow
from support.audio import tone, write_wav
from support.keys import make_token
from support.redis_server import RedisServer

CALLS = "/api/v1/calls"
HTML = {"Accept": "text/html"}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # The counts live outside the database: one backend is enough here.
    return f"sqlite:///{tmp_path / 'callsight.db'}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        runner_workers=1,
        auth_failures_per_address="30 per 15 minutes",
        auth_failures_per_key="8 per 15 minutes",
        uploads_per_key_per_hour=2,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def from_address(client: TestClient, address: str) -> TestClient:
    """Another client of the same running app, seen as coming from ``address``."""
    return TestClient(client.app, client=(address, 50000))


def test_thirty_wrong_keys_then_429_with_retry_after_even_for_a_right_key(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    answers = [
        client.get(CALLS, headers=bearer(f"cs_{n:08x}_guess{n}")).status_code for n in range(30)
    ]
    assert answers == [401] * 30
    refused = client.get(CALLS, headers=bearer("cs_deadbeef_another"))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert "too many failed sign-in attempts" in refused.json()["detail"]
    assert client.get(CALLS, headers=admin_headers).status_code == 429
    assert from_address(client, "10.0.0.2").get(CALLS, headers=admin_headers).status_code == 200


def test_a_request_without_a_key_is_not_counted(client: TestClient) -> None:
    answers = {client.get(CALLS).status_code for _ in range(40)}
    assert answers == {401}


def test_wrong_secrets_for_one_key_from_many_addresses_hold_that_key(
    client: TestClient, settings: Settings
) -> None:
    rita = make_token(settings, Role.REP, "Rita")
    lee = make_token(settings, Role.LEAD, "Lee")
    prefix = rita.split("_")[1]
    for n in range(8):
        guess = from_address(client, f"10.0.1.{n}").get(CALLS, headers=bearer(f"cs_{prefix}_x{n}"))
        assert guess.status_code == 401
    elsewhere = from_address(client, "10.0.2.1")
    assert elsewhere.get(CALLS, headers=bearer(rita)).status_code == 429
    assert elsewhere.get(CALLS, headers=bearer(lee)).status_code == 200


def test_a_revoked_key_is_logged_but_not_counted_as_a_guess(
    client: TestClient, settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    old = make_token(settings, Role.REP, "Rita")
    with Session(engine) as session:
        key = session.exec(select(ApiKey).where(ApiKey.prefix == old.split("_")[1])).one()
        key.revoked_at = utcnow()
        session.add(key)
        session.commit()
    with caplog.at_level(logging.WARNING, logger="agent.auth.throttle"):
        answers = {client.get(CALLS, headers=bearer(old)).status_code for _ in range(40)}
    assert answers == {401}
    assert "revoked" in caplog.records[-1].getMessage()


def test_a_refused_key_is_logged_with_address_and_prefix_but_not_its_secret(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="agent.auth.throttle"):
        client.get(CALLS, headers=bearer("cs_0badc0de_TopSecretGuess"))
    (record,) = [r for r in caplog.records if r.name == "agent.auth.throttle"]
    message = record.getMessage()
    assert "testclient" in message and "0badc0de" in message and "unknown key" in message
    assert "TopSecretGuess" not in message


def test_the_sign_in_page_shares_the_limit(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    for n in range(30):
        page = client.post("/login", data={"api_key": f"nope{n}"}, headers=HTML)
        assert page.status_code == 401
    page = client.post("/login", data={"api_key": "nope"}, headers=HTML)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert "too many failed sign-in attempts" in page.text
    assert client.get(CALLS, headers=admin_headers).status_code == 429


def _uploaded(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Call)).one()


def _audio_files(settings: Settings) -> int:
    return len([p for p in settings.audio_dir.rglob("*") if p.is_file()])


def test_uploads_past_the_hourly_limit_get_429_and_nothing_is_stored(
    client: TestClient,
    admin_headers: dict[str, str],
    settings: Settings,
    engine: Engine,
    tmp_path: Path,
) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.3)]).read_bytes()

    def send(headers: dict[str, str]) -> int:
        files = {"file": ("beep.wav", beep)}
        return client.post(CALLS, headers=headers, files=files).status_code

    assert [send(admin_headers), send(admin_headers)] == [201, 201]
    over = client.post(CALLS, headers=admin_headers, files={"file": ("beep.wav", beep)})
    assert over.status_code == 429
    assert 3000 <= int(over.headers["Retry-After"]) <= 3600
    assert "CALLSIGHT_UPLOADS_PER_KEY_PER_HOUR" in over.json()["detail"]
    assert _uploaded(engine) == 2 and _audio_files(settings) == 2
    assert send(bearer(make_token(settings, Role.REP, "Rita"))) == 201


def test_uploads_from_the_page_count_against_the_same_key(
    client: TestClient, settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    token = make_token(settings, Role.REP, "Rita")
    page = client.post("/login", data={"api_key": token}, headers=HTML)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf
    beep = write_wav(tmp_path / "beep.wav", [tone(0.3)]).read_bytes()
    assert client.post(CALLS, headers=bearer(token), files={"file": ("a.wav", beep)}).is_success
    answers = [
        client.post(
            "/calls/upload", files={"file": ("b.wav", beep)}, headers={"X-CSRF-Token": csrf[1]}
        ).status_code
        for _ in range(2)
    ]
    assert answers == [201, 429]
    assert _uploaded(engine) == 2


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = RedisServer(tmp_path).start()
    yield server.url
    server.stop()


def test_processes_sharing_redis_share_the_counts(redis_url: str) -> None:
    policy = ThrottlePolicy("3 per minute", "100 per minute", 600)
    first, second = Throttle(redis_url, policy), Throttle(redis_url, policy)
    attempt = SignInAttempt("192.0.2.7", None)
    for throttle in (first, second, first):
        throttle.check(attempt)
        throttle.failed(attempt, Refusal.WRONG_SECRET)
    with pytest.raises(TooManyRequests):
        second.check(attempt)


def test_a_storage_that_does_not_answer_lets_requests_through() -> None:
    throttle = Throttle("redis://127.0.0.1:9/0", ThrottlePolicy("1 per minute", "1 per minute", 1))
    attempt = SignInAttempt("192.0.2.8", "abcd1234")
    throttle.failed(attempt, Refusal.WRONG_SECRET)
    throttle.check(attempt)
    throttle.count_upload(1)
    throttle.count_upload(1)


def test_bad_rates_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not a rate"):
        Settings(auth_failures_per_address="lots")
