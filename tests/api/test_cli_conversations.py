"""``callsight process FILE.json``: a text conversation from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from agent.core.settings import Settings
from support.cli import callsight
from support.samples import REPO

EXAMPLE = REPO / "examples" / "chat-conversation.json"


def test_process_takes_a_chat_in_json_to_done(settings: Settings, tmp_path: Path) -> None:
    email = json.loads(EXAMPLE.read_text())
    email["channel"] = "email"
    del email["customer_name"]  # given on the command line instead
    thread = tmp_path / "thread.json"
    thread.write_text(json.dumps(email))
    result = callsight(settings, "process", str(thread), "--json", "--customer", "Priya N")
    assert result.returncode == 0, result.stderr
    call = json.loads(result.stdout)
    assert call["status"] == "done" and call["channel"] == "email"
    assert call["audio"] is None and call["customer"] == "Priya N"
    assert call["summary"]["engine"] == "builtin"
    assert call["transcript"]["segments"][0]["speaker"] == "customer"
    exported = callsight(settings, "transcript", call["id"], "--format", "txt")
    assert exported.returncode == 0 and "firmware" in exported.stdout


def test_process_refuses_a_bad_conversation_and_names_the_field(
    settings: Settings, tmp_path: Path
) -> None:
    body = json.loads(EXAMPLE.read_text())
    body["turns"][1]["speaker"] = "Bob"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(body))
    not_json = tmp_path / "notes.json"
    not_json.write_text("not json")
    result = callsight(settings, "process", str(bad), str(not_json))
    assert result.returncode == 1
    assert "turns[1].speaker: 'Bob'" in result.stderr
    assert "notes.json is not JSON text" in result.stderr
    assert result.stdout == ""
