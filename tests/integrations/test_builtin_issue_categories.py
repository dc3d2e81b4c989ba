"""The built-in engine puts every support call in a category of the operator's taxonomy, with a
confidence; the default taxonomy ships with Callsight."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.core.domain import Speaker
from agent.processing.taxonomy import TaxonomyError, load_taxonomy
from integrations.builtin_summariser import BuiltinSummariser
from support.builtin_calls import (
    AGENT,
    BROADBAND_CALL,
    CUSTOMER,
    HIKARI_CALL,
    on_wednesday,
    summarise,
    utterances,
)

CUSTOM = """
fallback: misc
categories:
  - name: meters
    description: Smart meters that stop sending readings.
    examples:
      en: [smart meter, readings, meter]
      ja: [スマートメーター, 検針]
  - name: tariffs
    description: Tariff changes and prices.
    examples:
      en: [tariff, unit rate]
"""


def categorise(lines: list[tuple[Speaker, str]], taxonomy_file: Path | None = None) -> tuple:  # type: ignore[type-arg]
    summariser = BuiltinSummariser(taxonomy=load_taxonomy(taxonomy_file))
    draft = summariser.summarise(utterances(lines), on_wednesday("en"))
    return draft.issue_category, draft.issue_category_confidence


@pytest.mark.parametrize(
    ("lines", "category"),
    [
        (BROADBAND_CALL, "connectivity"),
        ([(CUSTOMER, "I was charged twice on my last invoice.")], "billing"),
        ([(CUSTOMER, "I'm locked out, I can't log in with my password.")], "account access"),
        ([(CUSTOMER, "I want to cancel my contract, it is not working for me.")], "cancellation"),
        ([(CUSTOMER, "The charger is cracked and the device is broken.")], "hardware"),
    ],
)  # fmt: skip
def test_support_calls_get_a_default_category_with_a_confidence(
    lines: list[tuple[Speaker, str]], category: str
) -> None:
    name, confidence = categorise(lines)
    assert name == category
    assert confidence is not None and 0.0 < confidence <= 1.0


def test_a_japanese_call_is_categorised_by_its_japanese_examples() -> None:
    summariser = BuiltinSummariser(taxonomy=load_taxonomy())
    draft = summariser.summarise(utterances(HIKARI_CALL), on_wednesday("ja"))
    assert draft.issue_category == "connectivity"


def test_a_call_matching_no_category_gets_the_fallback_with_no_confidence() -> None:
    name, confidence = categorise([(CUSTOMER, "The thing I asked about is wrong.")])
    assert (name, confidence) == ("other", 0.0)


def test_the_operators_taxonomy_is_used(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    lines = [(CUSTOMER, "My smart meter stopped sending readings.")]
    assert categorise(lines, path)[0] == "meters"
    assert categorise([(CUSTOMER, "Something is wrong.")], path) == ("misc", 0.0)


def test_sales_calls_get_no_category() -> None:
    lines = [
        (AGENT, "Our pricing for forty seats is twelve dollars per seat."),
        (CUSTOMER, "Please send me the proposal and the contract."),
    ]
    assert categorise(lines) == (None, None)


def test_the_default_engine_uses_the_default_taxonomy() -> None:
    assert summarise(BROADBAND_CALL).issue_category == "connectivity"


@pytest.mark.parametrize(
    "text",
    ["categories: []", "categories: [{name: X Y, description: d, examples: {en: [a]}}]", "{]"],
)
def test_a_bad_taxonomy_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"bad\.yaml"):
        load_taxonomy(path)


def test_without_a_taxonomy_no_category_is_claimed() -> None:
    draft = BuiltinSummariser().summarise(utterances(BROADBAND_CALL), on_wednesday("en"))
    assert (draft.issue_category, draft.issue_category_confidence) == (None, None)
