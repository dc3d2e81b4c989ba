"""The summary stage end to end: the composition root picks the engine, the row records it."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.auth.keys import Role
from agent.calls.views import call_detail
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import ActionItem, Call, LlmCache
from agent.processing.taxonomy import TaxonomyError
from api.app import create_app
from api.composition import build_container
from support.factories import make_agent, make_call, make_customer, said_in_turn
from support.keys import make_token
from support.openai_server import FakeOpenAI, Reply, fake_openai_server
from support.polling import wait_for

HTML = {"Accept": "text/html"}
LINES = [
    ("agent", "Thank you for calling Northwind, this is Sam."),
    ("customer", "My router keeps rebooting. Email me at jane@example.com or call 090-1234-5678."),
    ("agent", "I will send you a replacement router by Friday."),
    ("customer", "Thanks, that solves it."),
]
ANSWER = {
    "summary": "The router kept rebooting; a replacement ships by Friday.",
    "key_points": ["Router reboots", "Replacement by Friday"],
    "action_items": [
        {"description": "Send a replacement router", "owner": "agent",
         "due_date": "2026-11-20", "priority": "normal"},
        {"description": "Return the old router", "owner": "Jane Doe",
         "due_date": None, "priority": "low"},
    ],
    "resolution": {"status": "follow_up", "evidence": "I will send you a replacement router",
                   "timestamp": None},
    "sentiment": {"customer_start": "negative", "customer_end": "positive"},
    "topics": ["router"], "issue_category": "hardware", "next_steps": ["Ship router"],
    "objections": [], "competitors": [], "conversation_type": "support", "deal": None,
    "issue_category_confidence": 0.9,
}  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with fake_openai_server() as server:
        yield server


JA_LINES = [
    ("customer", "請求書の住所が間違っています。"),
    ("agent", "至急修正して、明日新しい請求書をお送りします。"),
]


def summarising_call(
    engine: Engine, language: str = "en", lines: list[tuple[str, str]] = LINES
) -> str:
    """A transcribed call waiting for its summary; returns its id."""
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.SUMMARISING,
            language=language,
            transcript=said_in_turn(lines),
        )
        session.commit()
        return call.id


def test_with_an_endpoint_the_call_gets_an_llm_summary(
    settings: Settings, engine: Engine, fake: FakeOpenAI
) -> None:
    settings = settings.model_copy(update={"llm_base_url": fake.url, "llm_model": "gpt-4o-mini"})
    fake.then(Reply(ANSWER, prompt_tokens=400, completion_tokens=120))
    call_id = summarising_call(engine)
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        detail = call_detail(session, session.get_one(Call, call_id))
        cached = session.exec(select(LlmCache)).all()
        items = session.exec(select(ActionItem).order_by(col(ActionItem.position))).all()
    summary = detail.summary
    assert summary is not None
    assert (summary.engine, summary.model, summary.prompt_version) == (
        "llm", "gpt-4o-mini", "summary/v3.en",
    )  # fmt: skip
    assert (summary.input_tokens, summary.output_tokens) == (400, 120)
    assert summary.cost_usd == pytest.approx((400 * 0.15 + 120 * 0.6) / 1e6)
    assert summary.resolution == "follow_up" and summary.resolution_at_s == 10.0
    assert (summary.sentiment_start, summary.sentiment_end) == ("negative", "positive")
    assert summary.issue_category == "hardware"
    assert summary.llm_input is not None and "[EMAIL]" in summary.llm_input
    assert "jane@example.com" not in fake.sent_text() and "090-1234-5678" not in fake.sent_text()
    assert [(i.owner, i.due_date, i.priority) for i in items] == [
        ("agent", dt.date(2026, 11, 20), "normal"),
        ("Jane Doe", None, "low"),
    ]
    assert [c.prompt_version for c in cached] == ["summary/v3.en"]
    # The stored transcript stays whole for people allowed to read it.
    assert "jane@example.com" in detail.transcript.segments[1].text
    container.engine.dispose()


def test_without_an_endpoint_the_builtin_engine_summarises(
    settings: Settings, engine: Engine
) -> None:
    call_id = summarising_call(engine)
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        detail = call_detail(session, session.get_one(Call, call_id))
    assert detail.summary is not None
    assert (detail.summary.engine, detail.summary.model, detail.summary.prompt_version) == (
        "builtin", "rules-en-1", "builtin-1",
    )  # fmt: skip
    assert detail.summary.llm_input is None and detail.summary.cost_usd == 0
    assert [(i.owner, i.due_date) for i in detail.action_items] == [
        ("agent", dt.date(2026, 11, 20))
    ]
    container.engine.dispose()


def test_a_broken_endpoint_still_ends_with_a_marked_builtin_summary(
    settings: Settings, engine: Engine, fake: FakeOpenAI
) -> None:
    settings = settings.model_copy(update={"llm_base_url": fake.url, "llm_max_retries": 0})
    fake.then(Reply(status=401, content={"error": {"message": "invalid api key"}}))
    call_id = summarising_call(engine)
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        detail = call_detail(session, session.get_one(Call, call_id))
    assert detail.summary is not None and detail.summary.engine == "builtin"
    assert "HTTP 401" in str(detail.summary.details["fallback_reason"])
    container.engine.dispose()


def test_the_api_shows_who_made_the_summary(settings: Settings, engine: Engine) -> None:
    call_id = summarising_call(engine, "ja", JA_LINES)  # left in "summarising": start-up resumes it
    headers = {"Authorization": f"Bearer {make_token(settings, Role.ADMIN, 'Ada')}"}
    with TestClient(create_app(settings)) as client:
        body = wait_for(lambda: _done(client.get(f"/api/v1/calls/{call_id}", headers=headers)))
    summary = body["summary"]
    assert (summary["engine"], summary["model"], summary["prompt_version"]) == (
        "builtin", "rules-ja-1", "builtin-1",
    )  # fmt: skip
    assert summary["language"] == "ja" and summary["llm_input"] is None
    assert [(i["owner"], i["due_date"], i["priority"]) for i in body["action_items"]] == [
        ("agent", "2026-11-19", "high")
    ]
    assert summary["resolution"] == "follow_up" and summary["sentiment_end"] == "neutral"


SPLIT_LINES = [
    ("agent", "Can I have a number to call you back on?"),
    ("customer", "Sure, it's four one five, five five five"),
    ("customer", "oh one three four. Or mail jane dot doe at example dot com."),
    ("agent", "I will call you back by Friday."),
]


def test_a_lead_sees_what_the_model_saw_beside_the_summary(
    settings: Settings, engine: Engine, fake: FakeOpenAI
) -> None:
    settings = settings.model_copy(update={"llm_base_url": fake.url, "llm_model": "gpt-4o-mini"})
    fake.then(Reply(ANSWER))
    call_id = summarising_call(engine, lines=SPLIT_LINES)
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    container.engine.dispose()
    token = make_token(settings, Role.LEAD, "Lee")
    with TestClient(create_app(settings)) as client:
        api = client.get(f"/api/v1/calls/{call_id}", headers={"Authorization": f"Bearer {token}"})
        login = client.post("/login", data={"api_key": token, "next": "/calls"}, headers=HTML)
        assert login.status_code == 200
        page = client.get(f"/calls/{call_id}", headers=HTML)
    stored = api.json()["summary"]["llm_input"]
    assert stored in fake.sent_text()  # exactly what went out
    assert "[PHONE]" in stored and "[EMAIL]" in stored
    assert "five five five" not in stored and "jane dot doe" not in stored
    seen = page_section(page.text, "model-input")
    assert stored in html.unescape(seen)
    assert "What the model saw" in seen


def page_section(page: str, css_class: str) -> str:
    match = re.search(rf'<details class="{css_class}">(.*?)</details>', page, re.DOTALL)
    assert match, f"no {css_class} section on the page"
    return match.group(1)


def _done(response: Response) -> dict[str, Any] | None:
    body: dict[str, Any] = response.json()
    return body if body["status"] == "done" else None


SALES_LINES = [
    ("agent", "Thanks for looking at our team plan, Dana."),
    ("customer", "We have forty seats and we currently use Zendesk."),
    ("agent", "Our pricing for forty seats is twelve dollars per seat per month."),
    ("customer", "Honestly that is too expensive for our budget."),
    ("agent", "I can offer a discount on an annual contract."),
    ("customer", "That sounds good."),
]


def test_a_sales_call_is_stored_with_its_deal_and_no_resolution(
    settings: Settings, engine: Engine
) -> None:
    call_id = summarising_call(engine, lines=SALES_LINES)
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        summary = call_detail(session, session.get_one(Call, call_id)).summary
    assert summary is not None
    assert (summary.conversation_type, summary.resolution) == ("sales", None)
    assert (summary.deal_signal, summary.deal_evidence) == ("positive", "That sounds good.")
    assert summary.competitors == ["Zendesk"]
    assert summary.objections == ["Honestly that is too expensive for our budget."]
    container.engine.dispose()


def test_the_uploaders_conversation_type_wins(settings: Settings, engine: Engine) -> None:
    call_id = summarising_call(engine)
    with Session(engine) as session:
        session.get_one(Call, call_id).conversation_type = "other"
        session.commit()
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        summary = call_detail(session, session.get_one(Call, call_id)).summary
    assert summary is not None
    assert (summary.conversation_type, summary.resolution, summary.deal_signal) == (
        "other", None, None,
    )  # fmt: skip
    container.engine.dispose()


def test_the_operators_taxonomy_file_decides_the_category(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    taxonomy = tmp_path / "taxonomy.json"
    taxonomy.write_text(
        '{"categories": [{"name": "routers", "description": "Router faults.",'
        ' "examples": {"en": ["router", "rebooting"]}}]}',
        encoding="utf-8",
    )
    call_id = summarising_call(engine)
    container = build_container(settings.model_copy(update={"issue_taxonomy": taxonomy}))
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        summary = call_detail(session, session.get_one(Call, call_id)).summary
    assert summary is not None and summary.issue_category == "routers"
    assert summary.issue_category_confidence is not None and summary.issue_category_confidence > 0
    container.engine.dispose()


def test_an_unreadable_taxonomy_stops_the_start_with_its_name(
    settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(TaxonomyError, match=r"nowhere\.yaml"):
        build_container(settings.model_copy(update={"issue_taxonomy": missing}))


def test_action_items_are_owned_by_name_with_the_role_beside_it(
    settings: Settings, engine: Engine
) -> None:
    lines = [
        ("customer", "My router keeps rebooting."),
        ("agent", "I will send you a replacement router by Friday."),
        ("customer", "I'll email you the photos tomorrow."),
    ]
    with Session(engine) as session:
        call = make_call(
            session,
            status=CallStatus.SUMMARISING,
            customer=make_customer(session, name="Emma Brown"),
            agent=make_agent(session, name="Sam Lee"),
            transcript=said_in_turn(lines),
        )
        session.commit()
        call_id = call.id
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        items = call_detail(session, session.get_one(Call, call_id)).action_items
    assert [(i.owner, i.owner_role) for i in items] == [
        ("Sam Lee", "agent"),
        ("Emma Brown", "customer"),
    ]
    container.engine.dispose()


def test_without_names_the_role_is_the_owner(settings: Settings, engine: Engine) -> None:
    call_id = summarising_call(engine)
    container = build_container(settings)
    assert container.pipeline.advance(call_id) is CallStatus.DONE
    with Session(container.engine) as session:
        items = call_detail(session, session.get_one(Call, call_id)).action_items
    assert [(i.owner, i.owner_role) for i in items] == [("agent", "agent")]
    container.engine.dispose()
