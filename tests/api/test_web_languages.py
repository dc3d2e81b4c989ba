"""The web app speaks Japanese or English: the remembered switch first, then the browser's
Accept-Language, then English; dates in the page's language and the business timezone."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api.web import i18n
from support.web import HTML


def test_the_browser_language_picks_japanese(client: TestClient) -> None:
    page = client.get("/login", headers=HTML | {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    assert "言語" in page.text


def test_english_is_the_default(client: TestClient) -> None:
    page = client.get("/login", headers=HTML | {"Accept-Language": "fr-FR"})
    assert '<html lang="en">' in page.text and "言語" not in page.text


def test_the_switch_is_remembered_over_the_browser_language(client: TestClient) -> None:
    switched = client.get("/language/en?next=/login", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    assert "max-age=31536000" in switched.headers["set-cookie"].lower()
    page = client.get("/login", headers=HTML | {"Accept-Language": "ja"})
    assert '<html lang="en">' in page.text


def test_an_unknown_language_or_a_foreign_next_is_refused(client: TestClient) -> None:
    assert client.get("/language/xx", headers=HTML, follow_redirects=False).status_code == 404
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        switched = client.get(f"/language/ja?next={target}", follow_redirects=False)
        assert switched.headers["location"] == "/calls"


def test_quality_values_rank_the_languages() -> None:
    assert i18n.negotiate("en;q=0.4, ja;q=0.8") == "ja"
    assert i18n.negotiate("ja;q=0, en") == "en"
    assert i18n.negotiate("de, ja-JP;q=0.3") == "ja"
    assert i18n.negotiate(None) == "en"


@given(st.text(max_size=200))
def test_any_accept_language_header_gives_a_supported_language(header: str) -> None:
    assert i18n.negotiate(header) in i18n.LANGUAGES


def test_moments_are_written_in_the_business_timezone_and_the_page_language() -> None:
    moment = dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC)
    with i18n.speaking("ja", "Asia/Tokyo"):
        assert i18n.local_datetime(moment) == "2026/11/27 8:30:00"
        assert i18n.local_date(moment) == "2026/11/27"
    with i18n.speaking("en", "America/New_York"):
        assert i18n.local_datetime(moment) == "Nov 26, 2026, 6:30:00\u202fPM"
