"""The calls list: titled by customer and call time, sorted as chosen, with summary badges."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from support.factories import SeedSummary, make_agent, make_call, make_customer
from support.keys import make_token
from support.web import HTML, signed_in

UPLOADED = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def seed(engine: Engine) -> list[str]:
    """Three calls whose call times run opposite to their upload times: ids, oldest call first."""
    ids = []
    with Session(engine) as session:
        for day, name, summary in [
            (10, "Acme", SeedSummary(text="Router replaced. Customer happy.")),
            (12, "Globex", SeedSummary(resolution="escalated", sentiment="negative")),
            (14, None, None),
        ]:
            call = make_call(
                session,
                status=CallStatus.DONE if summary else CallStatus.TRANSCRIBING,
                started_at=dt.datetime(2026, 11, day, 9, 30, tzinfo=dt.UTC),
                customer=make_customer(session, name=name) if name else None,
                agent=make_agent(session, name="Sam"),
                summary=summary,
            )
            call.created_at = UPLOADED - dt.timedelta(hours=day)
            ids.append(call.id)
        session.commit()
    return ids


def order_on(page: str) -> list[str]:
    return re.findall(r'<tr data-call-id="([0-9a-f]{32})"', page)


def test_calls_are_listed_by_call_time_newest_first_unless_another_sort_is_chosen(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    oldest, middle, newest = seed(engine)
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get("/calls", headers=HTML).text
    assert order_on(page) == [newest, middle, oldest]
    assert re.search(r'<option value="call_time_desc"\s+selected', page)
    for sort, expected in [
        ("call_time_asc", [oldest, middle, newest]),
        ("upload_time_desc", [oldest, middle, newest]),
        ("upload_time_asc", [newest, middle, oldest]),
        ("", [newest, middle, oldest]),
    ]:
        page = client.get("/calls", params={"sort": sort}, headers=HTML).text
        assert order_on(page) == expected, sort
    wrong = client.get("/calls", params={"sort": "size"}, headers=HTML)
    assert wrong.status_code == 422 and "Sort by" in wrong.text


def test_a_listed_call_is_titled_by_customer_and_time_with_its_summary_and_badges(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    oldest, middle, newest = seed(engine)
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    page = client.get("/calls", headers=HTML).text
    rows = dict(zip(order_on(page), re.split(r'<tr data-call-id="', page)[1:], strict=True))
    acme = rows[oldest]
    assert re.search(r'class="call-title"[^>]*>\s*Acme · Nov 10, 2026, 9:30\u202fAM', acme)
    assert '<span class="filename">call.wav</span>' in acme
    assert "Router replaced. Customer happy." in acme
    assert 'class="badge resolution-resolved"' in acme
    assert 'class="badge sentiment-positive"' in acme
    globex = rows[middle]
    assert 'class="badge resolution-escalated"' in globex
    assert 'class="badge sentiment-negative"' in globex
    unknown = rows[newest]
    assert re.search(
        r'class="call-title"[^>]*>\s*Unknown customer · Nov 14, 2026, 9:30\u202fAM', unknown
    )
    assert "badge" not in unknown
    assert "3 calls" in page and "newest call first" in page


def test_pages_of_calls_keep_the_filters_and_the_sort(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    with Session(engine) as session:
        for hour in range(27):
            make_call(
                session,
                status=CallStatus.DONE,
                started_at=dt.datetime(2026, 11, 1, 0, tzinfo=dt.UTC) + dt.timedelta(hours=hour),
            )
        session.commit()
    signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    first = client.get("/calls", params={"sort": "call_time_asc", "status": "done"}, headers=HTML)
    assert "Page 1 of 2" in first.text
    link = re.search(r'href="(/calls\?[^"]+)">Next', first.text)
    assert link is not None
    second = client.get(link.group(1).replace("&amp;", "&"), headers=HTML).text
    assert "Page 2 of 2" in second and len(order_on(second)) == 2
    assert "Nov 2, 2026, 2:00\u202fAM" in second  # the latest calls come last, ascending
    assert re.search(r'href="/calls\?[^"]*sort=call_time_asc[^"]*page=1">← Previous', second)
