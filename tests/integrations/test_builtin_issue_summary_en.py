"""The built-in summary states each problem, its cause, what was done and the outcome, without
the greeting; the project's own sample call is the golden example."""

from __future__ import annotations

import json
from pathlib import Path

from agent.core.domain import Speaker
from support.builtin_calls import AGENT, BROADBAND_CALL, CUSTOMER, summarise

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "support-call.script.json"


def sample_call() -> list[tuple[Speaker, str]]:
    turns = json.loads(SCRIPT.read_text(encoding="utf-8"))["turns"]
    return [(Speaker(turn["speaker"]), turn["text"]) for turn in turns]


def test_the_sample_call_names_problem_cause_fix_outcome_and_second_issue() -> None:
    text = summarise(sample_call()).text
    assert text.startswith("The customer reported: my internet keeps dropping every evening")
    assert "hello" not in text.lower() and "Sam" not in text
    assert "Cause: the customer's router is running old firmware." in text
    assert "Done: the agent is sending the update to the customer's router now." in text
    assert 'Resolution: resolved ("I can confirm the issue is resolved on my side too").' in text
    assert "Also reported: the power adapter is loose, and it feels warm." in text


def test_the_sample_call_keeps_each_issue_apart() -> None:
    issues = summarise(sample_call()).extra["issues"]
    assert issues == [
        {
            "problem": "My internet keeps dropping every evening.",
            "cause": "But your router is running old firmware.",
            "action": "I am sending the update to your router now.",
        },
        {
            "problem": "The power adapter is loose, and it feels warm.",
            "cause": None,
            "action": None,
        },
    ]


def test_a_greeting_run_into_the_problem_is_left_out() -> None:
    draft = summarise(
        [
            (AGENT, "Northwind support, how can I help?"),
            (CUSTOMER, "Hello Sam, my internet keeps dropping every evening"),
        ]
    )
    assert draft.text.startswith("The customer reported: my internet keeps dropping every evening.")
    assert draft.key_points[0] == "My internet keeps dropping every evening"


def test_key_points_are_distinct() -> None:
    points = summarise(BROADBAND_CALL).key_points
    assert not any("to recap" in point for point in points)
    assert len(points) == len(set(points))


def test_sample_key_points_name_the_cause_and_the_fix() -> None:
    points = summarise(sample_call()).key_points
    assert "But your router is running old firmware." in points
    assert "I am sending the update to your router now." in points
    assert not any(point.startswith(("Thank you for calling", "Hello")) for point in points)


def test_a_recap_does_not_repeat_a_key_point() -> None:
    lines = [
        (CUSTOMER, "My smart meter stopped sending readings to the energy hub last month."),
        (AGENT, "The energy hub firmware update will restore the smart meter readings."),
        (AGENT, "To recap, the energy hub firmware update will restore your smart meter readings."),
        (CUSTOMER, "The meter readings on my bill have been estimated since then."),
        (AGENT, "The estimated bill will be corrected once the readings arrive."),
    ]
    points = summarise(lines).key_points
    assert not any("recap" in point for point in points)
    assert len(points) == 3


def test_the_cause_is_the_clause_that_gives_it() -> None:
    text = summarise(
        [
            (CUSTOMER, "Hello Sam, my internet keeps dropping every evening"),
            (AGENT, "The line itself looks clean, but your router is running old firmware."),
        ]
    ).text
    assert "Cause: the customer's router is running old firmware." in text
