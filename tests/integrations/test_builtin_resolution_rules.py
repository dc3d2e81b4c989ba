"""Built-in engine rules added with issue 4: resolution without cues, conditional promises."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.core.domain import CallContext, Resolution, Speaker, Utterance
from integrations.builtin_summariser import BuiltinSummariser

AGENT, CUSTOMER = Speaker.AGENT, Speaker.CUSTOMER


def summarise(lines: list[tuple[Speaker, str]], language: str = "en"):  # type: ignore[no-untyped-def]
    utterances = [Utterance(4.0 * n, 4.0 * n + 3, s, t) for n, (s, t) in enumerate(lines)]
    return BuiltinSummariser().summarise(utterances, CallContext(dt.date(2026, 11, 18), language))


@pytest.mark.parametrize(
    ("lines", "language", "resolution"),
    [
        ([(CUSTOMER, "What are your opening hours?"), (AGENT, "Nine to five."),
          (CUSTOMER, "Perfect, thank you.")], "en", Resolution.RESOLVED),
        ([(CUSTOMER, "The invoice address is wrong."),
          (AGENT, "I'll send a corrected invoice tomorrow.")], "en", Resolution.FOLLOW_UP),
        ([(CUSTOMER, "The invoice address is wrong."), (AGENT, "I see.")], "en",
         Resolution.UNRESOLVED),
        ([(CUSTOMER, "営業時間を知りたいです。"), (AGENT, "9時から17時です。"),
          (CUSTOMER, "わかりました、ありがとうございます。")], "ja", Resolution.RESOLVED),
        ([(CUSTOMER, "住所が間違っています。"), (AGENT, "明日、修正した請求書をお送りします。")],
         "ja", Resolution.FOLLOW_UP),
    ],
)  # fmt: skip
def test_without_a_closing_cue(
    lines: list[tuple[Speaker, str]], language: str, resolution: Resolution
) -> None:
    draft = summarise(lines, language)
    assert draft.resolution is resolution
    assert draft.evidence is None


def test_a_closing_cue_still_wins_over_open_items() -> None:
    draft = summarise(
        [(AGENT, "I'll email you the receipt today."), (CUSTOMER, "Thanks, that sorts it out.")]
    )
    assert draft.resolution is Resolution.RESOLVED


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("We will reship the parcel if it hasn't arrived by Monday.", "en"),
        ("I'll refund it in case the charge goes through again.", "en"),
        ("届かない場合は再送いたします。", "ja"),
    ],
)
def test_promises_on_a_condition_are_not_action_items(text: str, language: str) -> None:
    assert summarise([(AGENT, text)], language).action_items == []


def test_requests_keep_their_condition() -> None:
    [item] = summarise([(AGENT, "Please call us if the connection drops again.")]).action_items
    assert item.owner == "customer" and "if the connection drops" in item.description
