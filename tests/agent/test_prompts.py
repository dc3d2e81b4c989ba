"""Prompt templates as data: every shipped template loads; broken ones fail fast and say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.processing.prompts import PromptError, load_prompts, load_template

GOOD = """---
name: demo
version: v2
language: en
variables: call_date, transcript
---
## system
Summarise the call of {call_date}.
## user
<<<TRANSCRIPT>>>
{transcript}
<<<END TRANSCRIPT>>>
"""


def write(tmp_path: Path, text: str, name: str = "demo/v2.en.md") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_templates_load_in_both_languages() -> None:
    templates = load_prompts()
    for name in ("summary", "summary_reduce"):
        assert templates[(name, "en")].variables == templates[(name, "ja")].variables
    assert templates[("summary", "ja")].id == "summary/v3.ja"


def test_render_fills_every_variable(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, GOOD))
    system, user = template.render({"call_date": "2026-11-18", "transcript": "{not a field}"})
    assert system == "Summarise the call of 2026-11-18.\n"
    assert "{not a field}" in user  # values are not formatted again


def test_render_without_a_variable_fails(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, GOOD))
    with pytest.raises(PromptError, match=r"missing variables \['transcript'\]"):
        template.render({"call_date": "2026-11-18"})


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace("variables: call_date, transcript", "variables: call_date"), "differ"),
        (GOOD.replace("{call_date}", "the day"), "differ"),
        (GOOD.replace("language: en\n", ""), "header lacks"),
        (GOOD.replace("## user", "## usr"), "exactly a '## system' and a '## user'"),
        (GOOD.replace("{call_date}", "{call_date"), "unbalanced braces"),
        (GOOD.replace("---\n", "", 1), "header between"),
    ],
)
def test_broken_templates_fail_on_load(tmp_path: Path, broken: str, message: str) -> None:
    with pytest.raises(PromptError, match=message):
        load_template(write(tmp_path, broken))


def test_newest_version_wins(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("version: v2", "version: v10"), "demo/v10.en.md")
    assert load_prompts(tmp_path)[("demo", "en")].version == "v10"
