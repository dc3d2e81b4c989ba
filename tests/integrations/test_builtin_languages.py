"""The built-in summariser's language tables: fallback to English and tables a language brings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from agent.core.domain import ActionItemDraft
from integrations.builtin_summariser import BuiltinSummariser
from integrations.builtin_summariser.cues_en import ENGLISH
from integrations.builtin_summariser.rules import CommitmentCue
from support.builtin_calls import AGENT, BROADBAND_CALL, on_wednesday, summarise, utterances


@pytest.mark.parametrize("language", ["en", "en-GB", "EN_us", "xx", "de"])
def test_languages_without_tables_fall_back_to_english(language: str) -> None:
    draft = summarise(BROADBAND_CALL, language)
    assert draft.extra["language"] == "en"
    assert len(draft.action_items) == 3


def test_a_language_can_bring_its_own_tables() -> None:
    # The commitment marker ends the clause, so the action is the pattern's "action" group.
    send = CommitmentCue(re.compile(r"(?P<action>[^。、]+)をお送りします"))

    def friday(text: str, call_date: dt.date) -> dt.date | None:
        return call_date + dt.timedelta(days=2) if "金曜日" in text else None

    japanese = dataclasses.replace(
        ENGLISH,
        language="ja",
        model="rules-ja-test",
        tokenise=list,
        resolve_due_date=friday,
        commitment_cues=(send,),
    )
    summariser = BuiltinSummariser(rules={"en": ENGLISH, "ja": japanese})
    draft = summariser.summarise(
        utterances([(AGENT, "金曜日までに交換用アダプターをお送りします。")]),
        on_wednesday("ja-JP"),
    )
    assert (draft.model, draft.extra["language"]) == ("rules-ja-test", "ja")
    assert draft.action_items == [
        ActionItemDraft("金曜日までに交換用アダプター", "agent", dt.date(2026, 11, 20))
    ]


def test_fallback_language_must_have_tables() -> None:
    with pytest.raises(ValueError, match="fallback"):
        BuiltinSummariser(rules={}, fallback_language="en")
