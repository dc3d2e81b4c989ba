"""Action items on the call page: leads add, edit, complete and remove them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.settings import Settings
from agent.core.tables import ActionItem, Call, CrmOutbox
from support.factories import SeedSummary, make_call
from support.keys import make_token
from support.web import HTML, signed_in


def seeded(engine: Engine, status: CallStatus = CallStatus.REVIEW) -> tuple[str, str]:
    with Session(engine) as session:
        call = make_call(session, status=status, summary=SeedSummary(), action_items=1)
        session.commit()
        return call.id, session.exec(select(ActionItem.id)).one()


def items(engine: Engine) -> list[ActionItem]:
    with Session(engine) as session:
        return list(session.exec(select(ActionItem).order_by(col(ActionItem.position))))


def test_a_lead_adds_edits_completes_and_removes_action_items(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id, first = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    added = client.post(
        f"/calls/{call_id}/items",
        data={
            "description": "Send the quote",
            "owner": "agent",
            "due_date": "",
            "priority": "",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    new = items(engine)[1]
    assert (new.description, new.owner, new.priority, new.status) == (
        "Send the quote",
        "agent",
        "normal",
        "open",
    )
    edited = client.post(
        f"/calls/{call_id}/items/{new.id}",
        data={
            "description": "Send the quote",
            "owner": "customer",
            "due_date": "2026-12-01",
            "priority": "high",
            "status": "open",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert items(engine)[1].priority == "high"
    done = client.post(
        f"/calls/{call_id}/items/{first}/status",
        data={"status": "done", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert items(engine)[0].status == "done"
    page = client.get(f"/calls/{call_id}", headers=HTML).text
    assert re.search(r'class="badge priority-high"', page)
    assert re.search(r'class="badge item-done"', page)
    removed = client.post(
        f"/calls/{call_id}/items/{first}/remove", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert [i.id for i in items(engine)] == [new.id]


def test_action_item_forms_explain_wrong_or_missing_fields(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id, item_id = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    for path, form, words in [
        (f"/calls/{call_id}/items", {"description": ""}, "Description"),
        (f"/calls/{call_id}/items", {"description": "x", "priority": "urgent"}, "Priority"),
        (f"/calls/{call_id}/items", {"description": "x", "owner": " "}, "Owner: fill this in"),
        (f"/calls/{call_id}/items", {"description": "x", "owner": "o" * 201}, "Owner"),
        (f"/calls/{call_id}/items/{item_id}", {"description": "x", "owner": ""}, "Owner"),
        (f"/calls/{call_id}/items/{item_id}/status", {"status": ""}, "Status"),
        (f"/calls/{call_id}/items/{item_id}/status", {"status": "maybe"}, "Status"),
    ]:
        page = client.post(path, data={**form, "csrf_token": csrf}, headers=HTML)
        assert page.status_code == 422, (path, form)
        assert words in page.text and "<!doctype html>" in page.text
    assert len(items(engine)) == 1


def test_an_item_already_sent_to_the_crm_is_completed_not_removed(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id, item_id = seeded(engine, CallStatus.DONE)
    with Session(engine) as session:
        session.add(
            CrmOutbox(
                call_id=call_id,
                crm="local",
                object_type="Task",
                external_id=f"callsight-action-{item_id}",
                payload={},
                status="written",
            )
        )
        session.commit()
    csrf = signed_in(client, make_token(settings, Role.LEAD, "Lee"))
    refused = client.post(
        f"/calls/{call_id}/items/{item_id}/remove", data={"csrf_token": csrf}, headers=HTML
    )
    assert refused.status_code == 409 and "mark it done" in refused.text
    assert len(items(engine)) == 1
    client.post(
        f"/calls/{call_id}/items/{item_id}/status", data={"status": "done", "csrf_token": csrf}
    )
    assert items(engine)[0].status == "done"
    with Session(engine) as session:
        assert session.get(Call, call_id).status == CallStatus.SYNCING  # the CRM task follows


def test_reps_cannot_add_complete_or_remove_items(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    call_id, item_id = seeded(engine)
    csrf = signed_in(client, make_token(settings, Role.REP, "Ria"))
    for path, form in [
        (f"/calls/{call_id}/items", {"description": "x"}),
        (f"/calls/{call_id}/items/{item_id}/status", {"status": "done"}),
        (f"/calls/{call_id}/items/{item_id}/remove", {}),
    ]:
        refused = client.post(path, data={**form, "csrf_token": csrf}, headers=HTML)
        assert refused.status_code == 403, path
    (only,) = items(engine)
    assert only.status == "open" and only.description.startswith("Follow-up 0")
