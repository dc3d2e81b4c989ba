"""The built-in summariser on Japanese calls: golden output and classification cases."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.core.domain import ActionItemDraft, Priority, Resolution, Speaker
from integrations.builtin_summariser.tokens_ja import make_tokeniser
from support.builtin_calls import AGENT, CUSTOMER, HIKARI_CALL, summarise

HIGH, NORMAL = Priority.HIGH, Priority.NORMAL


def items(text: str, speaker: Speaker = AGENT) -> list[tuple[str, str, dt.date | None]]:
    return [
        (i.description, i.owner, i.due_date)
        for i in summarise([(speaker, text)], "ja").action_items
    ]


def test_golden_japanese_call() -> None:
    draft = summarise(HIKARI_CALL, "ja")
    assert draft.action_items == [
        ActionItemDraft(
            "交換用の電源アダプターを金曜日までにお送りします",
            "agent",
            dt.date(2026, 11, 20),
            NORMAL,
        ),
        ActionItemDraft("本日中に確認のメールをお送りいたします", "agent", dt.date(2026, 11, 18)),
        ActionItemDraft(
            "今夜もう一度ルーターを再起動しておきます", "customer", dt.date(2026, 11, 18)
        ),
    ]
    assert draft.resolution is Resolution.RESOLVED
    assert draft.evidence is not None and draft.evidence.quote == "あ、つながりました!"
    assert draft.evidence.timestamp_s == 28.0
    assert (draft.sentiment_start, draft.sentiment_end) == ("negative", "positive")
    assert draft.text == (
        "お客様の申告: 毎晩インターネットが切れてしまって、本当に困っています。"
        "原因: ルーターの電源アダプターに不具合があるようです。"
        "解決状況: 解決済み（「あ、つながりました」）。アクションが3件合意されました。"
    )
    assert draft.topics == ["ルーター", "電源", "アダプター", "再起動"]
    assert draft.key_points == [
        "毎晩インターネットが切れてしまって、本当に困っています。",
        "ルーターの電源アダプターに不具合があるようです。",
        "あ、つながりました!",
    ]
    assert (draft.model, draft.language, draft.engine) == ("rules-ja-1", "ja", "builtin")


def test_language_subtags_pick_the_japanese_tables() -> None:
    assert summarise(HIKARI_CALL, "ja-JP").model == "rules-ja-1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("確認して、明日ご連絡します。",
         [("確認して、明日ご連絡します", "agent", dt.date(2026, 11, 19))]),
        ("はい、承知しました、では3日以内に返金いたします。",
         [("3日以内に返金いたします", "agent", dt.date(2026, 11, 21))]),
        ("見積書は来週の月曜日に送りますね。",
         [("見積書は来週の月曜日に送ります", "agent", dt.date(2026, 11, 23))]),
        ("11月20日までに請求書を再発行させていただきます。",
         [("11月20日までに請求書を再発行させていただきます", "agent", dt.date(2026, 11, 20))]),
        ("お手数ですが、11月25日までに書類をご返送ください。",
         [("11月25日までに書類をご返送ください", "customer", dt.date(2026, 11, 25))]),
        ("申込書にご記入のうえ、返送してください。",
         [("申込書にご記入のうえ、返送してください", "customer", None)]),
        ("担当者から折り返しお電話いたします。",
         [("担当者から折り返しお電話いたします", "agent", None)]),
    ],
)  # fmt: skip
def test_commitments_and_requests(
    text: str, expected: list[tuple[str, str, dt.date | None]]
) -> None:
    assert items(text) == expected


def test_customer_requests_belong_to_the_agent() -> None:
    assert items("見積書を来週の月曜日までに送っていただけますか？", CUSTOMER) == [
        ("見積書を来週の月曜日までに送ってください", "agent", dt.date(2026, 11, 23))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "確認いたします。",  # a bare "I'll check" is said while the customer waits
        "ただいま確認いたします。",
        "在庫を確認いたしますので、少々お待ちください。",
        "昨日お送りしました。",
        "それは送りません。",
        "お見積もりをお送りしましょうか？",
        "もし届かない場合は、ご連絡ください。",
        "念のため、ルーターを再起動していただけますか？",  # done during the call
        "よろしくお願いします。",
    ],
)
def test_not_commitments(text: str) -> None:
    assert items(text) == []


@pytest.mark.parametrize(
    ("lines", "resolution"),
    [
        ([(CUSTOMER, "請求が二重になっています。"), (AGENT, "返金処理を行いました。"),
          (CUSTOMER, "確認できました、解決しました。")], Resolution.RESOLVED),
        ([(CUSTOMER, "ログインできません。"), (AGENT, "パスワードを再設定しました。"),
          (CUSTOMER, "まだログインできません。")], Resolution.UNRESOLVED),
        ([(CUSTOMER, "解約したいです。"), (AGENT, "上の者に代わりますので、おつなぎします。")],
         Resolution.ESCALATED),
        ([(CUSTOMER, "荷物が届いていません。"),
          (AGENT, "配送業者に確認して、改めてご連絡します。")], Resolution.FOLLOW_UP),
        ([(CUSTOMER, "解決しましたか？"), (AGENT, "いいえ、まだ直りません。")],
         Resolution.UNRESOLVED),
    ],
)  # fmt: skip
def test_resolution(lines: list[tuple[Speaker, str]], resolution: Resolution) -> None:
    assert summarise(lines, "ja").resolution is resolution


def test_urgent_items_are_high_priority() -> None:
    [item] = summarise([(AGENT, "至急、技術担当に引き継ぎいたします。")], "ja").action_items
    assert item.priority is HIGH and item.description == "技術担当に引き継ぎいたします"


def test_tokeniser_keeps_known_words_and_splits_scripts() -> None:
    tokenise = make_tokeniser(["助かりました"])
    assert tokenise("電源アダプターを交換、助かりました! Wi-Fi 5GHz") == [
        "電源", "アダプター", "を", "交換", "助かりました", "wi", "fi", "5ghz",
    ]  # fmt: skip


def test_sentences_split_after_full_width_question_marks() -> None:
    draft = summarise([(CUSTOMER, "つながりましたか？いいえ、まだつながらないままです。")], "ja")
    assert draft.resolution is Resolution.UNRESOLVED
