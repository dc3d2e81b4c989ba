"""The web app speaks Japanese or English: the remembered switch first, then the browser's
Accept-Language, then English; dates in the page's language and the business timezone."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from api.app import create_app
from api.web import i18n
from api.web.script_text import SCRIPT_TEXT
from support.factories import SeedSummary, make_call, said_in_turn
from support.keys import make_token
from support.web import HTML, signed_in
from support.world import seed_world


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


REPO = Path(__file__).resolve().parents[2]
JA = {"Accept-Language": "ja-JP,ja;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _marked_messages() -> set[str]:
    """Every message the templates and the web package mark, as ``pybabel extract`` finds it."""
    with (i18n.LOCALE_DIR / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(str(REPO), method_map, options_map, keywords=DEFAULT_KEYWORDS)
    return {message if isinstance(message, str) else message[0] for _, _, message, *_ in found}


def test_every_marked_message_has_a_japanese_translation() -> None:
    marked = _marked_messages()
    assert {"Calls", "Sign out", "Not found", "No matches", "newest call first"} <= marked
    with (i18n.LOCALE_DIR / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="ja")
    for message in marked:
        entry = catalog.get(message)
        assert entry is not None, f"not in the Japanese catalog: {message!r}"
        assert not entry.fuzzy, f"fuzzy: {message!r}"
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for translated in translations:
            assert translated.strip(), f"untranslated: {message!r}"
            # a translation that drops or invents a placeholder fails when it is filled
            assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(message))


def _lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', page)
    assert match
    return match.group(1)


def test_each_page_speaks_the_browser_language(client: TestClient, settings: Settings) -> None:
    world = seed_world(settings)
    login = {
        "ja": client.get("/login", headers=HTML | JA),
        "en": client.get("/login", headers=HTML | EN),
    }
    assert "APIキーを貼り付けてください" in login["ja"].text and _lang(login["ja"].text) == "ja"
    assert "Paste your API key" in login["en"].text and _lang(login["en"].text) == "en"
    signed_in(client, world.tokens["admin"])
    pages = {
        "/calls": ("通話が新しい順", "newest call first"),
        f"/calls/{world.call_id}": ("アクションアイテム", "Action items"),
        "/admin": ("Webhookサブスクリプション", "Webhook subscriptions"),
        "/calls/0123456789abcdef0123456789abcdef": ("見つかりません", "Not found"),
    }
    for path, (japanese, english) in pages.items():
        ja, en = client.get(path, headers=HTML | JA).text, client.get(path, headers=HTML | EN).text
        assert _lang(ja) == "ja" and japanese in ja and english not in ja, path
        assert _lang(en) == "en" and english in en and japanese not in en, path
        assert ("ログアウト" in ja) == ("Sign out" in en), path  # the header, where signed in


def test_a_wrong_filter_is_explained_in_the_page_language(
    client: TestClient, settings: Settings
) -> None:
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get("/calls", params={"status": "lost"}, headers=HTML | JA)
    assert page.status_code == 422
    assert "ステータス: 一覧から選択してください。" in page.text
    english = client.get("/calls", params={"status": "lost"}, headers=HTML | EN)
    assert "Status: input should be" in english.text


def test_call_content_is_marked_with_the_call_language(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.REVIEW,
            language="ja",
            transcript=said_in_turn([("customer", "見積書を送ってください。")]),
            summary=SeedSummary(text="顧客は見積書を依頼した。"),
            action_items=1,
        )
        session.commit()
        call_id = call.id
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get(f"/calls/{call_id}", headers=HTML | EN).text
    assert _lang(page) == "en"
    assert '<ol class="transcript" id="transcript" lang="ja">' in page
    assert '<p class="summary-text" lang="ja">顧客は見積書を依頼した。</p>' in page
    assert re.search(r'<textarea name="description"[^>]* lang="ja"', page)
    assert "· Japanese" in page  # the call's language, named in the page's
    listed = client.get("/calls", headers=HTML | EN).text
    assert '<p class="summary-line" lang="ja">' in listed


def test_calls_are_dated_in_the_business_timezone(settings: Settings, engine: Engine) -> None:
    tokyo = settings.model_copy(update={"business_timezone": "Asia/Tokyo"})
    with Session(engine) as session:
        make_call(session, started_at=dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC))
        session.commit()
    with TestClient(create_app(tokyo)) as client:
        signed_in(client, make_token(tokyo, Role.LEAD, "Lee"))
        ja = client.get("/calls", headers=HTML | JA).text
        en = client.get("/calls", headers=HTML | EN).text
    assert "2026/11/27 8:30" in ja  # the next morning in Tokyo
    assert "Nov 27, 2026, 8:30\u202fAM" in en
    assert "Nov 26" not in en


def _script_text(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="ui-text">(.*?)</script>', page, re.S)
    assert match, "the page gives its scripts no text"
    words: dict[str, Any] = json.loads(match.group(1))
    return words


def test_scripts_take_their_words_from_the_page(client: TestClient, settings: Settings) -> None:
    assert _script_text(client.get("/login", headers=HTML | JA).text)["no_matches"] == "一致なし"
    english = _script_text(client.get("/login", headers=HTML | EN).text)
    assert english["no_matches"] == "No matches"
    assert english["statuses"]["review"] == "review"
    japanese = _script_text(client.get("/login", headers=HTML | JA).text)
    assert japanese["statuses"]["review"] == "レビュー"
    assert set(japanese) == set(SCRIPT_TEXT) | {"statuses"}
    scripts = " ".join(
        (REPO / "api/web/static" / name).read_text() for name in ("app.js", "transcript_search.js")
    )
    for text in SCRIPT_TEXT.values():
        for words in PLACEHOLDER.split(text)[::2]:
            if len(words.strip(" ;:()…")) > 3:
                assert words not in scripts, f"{words!r} is written into a script"


def test_a_health_components_evidence_reads_in_the_page_language() -> None:
    from agent.engagement.health import Evidence
    from api.web.wording import explain

    why = Evidence(
        template="{overdue} of {items} action items overdue", values={"overdue": 2, "items": 5}
    )
    assert why.text == "2 of 5 action items overdue"
    with i18n.speaking("ja"):
        assert explain(why, why.text) == "アクションアイテム 5 件のうち 2 件が期限切れ"
    with i18n.speaking("en"):
        assert explain(why, why.text) == why.text
    assert explain(None, "as the API gave it") == "as the API gave it"
