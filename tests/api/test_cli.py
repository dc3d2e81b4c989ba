"""The ``callsight`` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from faster_whisper import decode_audio
from sqlalchemy import Engine
from sqlmodel import Session

from agent.auth.keys import authenticate
from agent.core.settings import Settings
from support.audio import tone, write_wav
from support.cli import callsight
from support.recordings import shared_recording
from support.samples import SAMPLE_CALL

JFK = "faster-whisper-tests-data/jfk.flac"
AWS_AGENT = "aws-lca-call-recordings/Auto_Repairs_49_UTC_agent.wav"
AWS_CALLER = "aws-lca-call-recordings/Auto_Repairs_49_UTC_caller.wav"


@pytest.mark.slow
def test_process_prints_the_finished_call_as_json(settings: Settings) -> None:
    result = callsight(
        settings, "process", str(SAMPLE_CALL), "--json", "--started-at", "2026-11-18T10:00:00"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    call = json.loads(lines[0])
    assert call["status"] == "done"
    assert {s["speaker"] for s in call["transcript"]["segments"]} == {"agent", "customer"}
    assert call["summary"]["text"]
    assert any(item["due_date"] == "2026-11-20" for item in call["action_items"])
    assert "First start: an admin API key" in result.stderr


@pytest.mark.slow
def test_one_voice_recorded_on_both_channels_is_heard_once_and_says_why(settings: Settings) -> None:
    result = callsight(settings, "process", str(shared_recording(JFK)), "--json")
    assert result.returncode == 0, result.stderr
    call = json.loads(result.stdout)
    text = " ".join(s["text"] for s in call["transcript"]["segments"]).lower()
    assert text.count("ask not what your country") == 1
    assert "same signal" in call["metrics"]["speakers"]["reason"]


@pytest.mark.slow
def test_a_mono_call_gets_agent_and_customer_from_its_two_voices(
    settings: Settings, tmp_path: Path
) -> None:
    agent = decode_audio(str(shared_recording(AWS_AGENT)))[: 16000 * 120]
    caller = decode_audio(str(shared_recording(AWS_CALLER)))[: 16000 * 120]
    mono = write_wav(tmp_path / "call.wav", [np.clip(agent + caller, -1, 1)])
    result = callsight(settings, "process", str(mono), "--json")
    assert result.returncode == 0, result.stderr
    call = json.loads(result.stdout)
    speakers = call["metrics"]["speakers"]
    assert speakers["roles"] == "voices" and speakers["voices"] == 2
    assert "how can i help" in speakers["evidence"][0]
    segments = call["transcript"]["segments"]
    assert {s["speaker"] for s in segments} == {"agent", "customer"}
    assert "how can I help you" in segments[0]["text"] and segments[0]["speaker"] == "agent"
    for side, longest in call["metrics"]["longest_monologue_s"].items():
        assert longest <= call["metrics"]["talk_time_s"][side]


def test_process_refuses_non_audio_and_says_why(settings: Settings, tmp_path: Path) -> None:
    notes = tmp_path / "notes.wav"
    notes.write_text("not a recording")
    result = callsight(settings, "process", str(notes))
    assert result.returncode == 1
    assert "notes.wav" in result.stderr and "not an audio recording" in result.stderr
    assert result.stdout == ""


def test_process_needs_an_existing_file(settings: Settings, tmp_path: Path) -> None:
    result = callsight(settings, "process", str(tmp_path / "missing.wav"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_keys_create_prints_a_working_key(settings: Settings, engine: Engine) -> None:
    result = callsight(settings, "keys", "create", "--role", "lead", "--name", "Lee")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    with Session(engine) as session:
        principal = authenticate(session, token)
    assert principal is not None and principal.role.value == "lead"
    bad_role = callsight(settings, "keys", "create", "--role", "king", "--name", "x")
    assert bad_role.returncode == 2 and "king" in bad_role.stderr


def test_keys_can_be_listed_and_revoked_from_the_console(
    settings: Settings, engine: Engine
) -> None:
    token = callsight(settings, "keys", "create", "--role", "rep", "--name", "Rita").stdout.strip()
    prefix = token.split("_", 2)[1]
    listed = callsight(settings, "keys", "list")
    assert listed.returncode == 0 and prefix in listed.stdout and "active" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout  # never the secret
    revoked = callsight(settings, "keys", "revoke", prefix)
    assert revoked.returncode == 0, revoked.stderr
    with Session(engine) as session:
        assert authenticate(session, token) is None
    assert "revoked" in callsight(settings, "keys", "list").stdout
    unknown = callsight(settings, "keys", "revoke", "nosuchkey")
    assert unknown.returncode == 2 and "no key has the prefix" in unknown.stderr


def test_db_upgrade_hides_the_password(settings: Settings) -> None:
    result = callsight(settings, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "database at revision head" in result.stdout


def test_a_bad_setting_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    env_settings = settings.model_copy()
    os.environ["CALLSIGHT_CHANNEL_MAP"] = "left,right"
    try:
        result = callsight(env_settings, "db", "upgrade")
    finally:
        del os.environ["CALLSIGHT_CHANNEL_MAP"]
    assert result.returncode == 1
    assert "channel map must name 'agent' and 'customer'" in result.stderr


@pytest.mark.slow
def test_transcript_command_exports_a_processed_call(settings: Settings, tmp_path: Path) -> None:
    left, right = decode_audio(str(SAMPLE_CALL), split_stereo=True)
    clip = write_wav(tmp_path / "greeting.wav", [left[: 16000 * 8], right[: 16000 * 8]])
    processed = callsight(
        settings, "process", str(clip), "--json", "--language", "en", "--hotwords", "Northwind"
    )
    assert processed.returncode == 0, processed.stderr
    call = json.loads(processed.stdout)
    assert call["asr_options"]["language"] == "en"
    assert call["asr_options"]["hotwords"] == "Northwind"

    srt = callsight(settings, "transcript", call["id"], "--format", "srt")
    assert srt.returncode == 0, srt.stderr
    assert srt.stdout.startswith("1\n00:00:0")
    assert "Agent: " in srt.stdout and "Northwind" in srt.stdout

    vtt_file = tmp_path / "call.vtt"
    written = callsight(settings, "transcript", call["id"], "--format", "vtt", "-o", str(vtt_file))
    assert written.returncode == 0 and written.stdout == ""
    assert vtt_file.read_text(encoding="utf-8").startswith("WEBVTT\n\n")

    missing = callsight(settings, "transcript", "no-such-call")
    assert missing.returncode == 1 and "no call 'no-such-call'" in missing.stderr


def test_process_refuses_a_bad_language_or_email(settings: Settings, tmp_path: Path) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    result = callsight(settings, "process", str(beep), "--language", "klingon!")
    assert result.returncode == 2
    assert "language 'klingon!' is not one speech recognition knows" in result.stderr
    unknown = callsight(settings, "process", str(beep), "--language", "xx")
    assert unknown.returncode == 2 and "language 'xx'" in unknown.stderr
    email = callsight(settings, "process", str(beep), "--customer-email", "<script>")
    assert email.returncode == 2 and "not a valid email address" in email.stderr
    kind = callsight(settings, "process", str(beep), "--conversation-type", "complaint")
    assert kind.returncode == 2 and "--conversation-type" in kind.stderr


@pytest.mark.slow
def test_process_takes_the_conversation_type(settings: Settings, tmp_path: Path) -> None:
    beep = write_wav(tmp_path / "beep.wav", [tone(0.5)])
    result = callsight(settings, "process", str(beep), "--json", "--conversation-type", "sales")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert (summary["conversation_type"], summary["resolution"]) == ("sales", None)
