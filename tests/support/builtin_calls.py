"""Scripted calls for the built-in summariser's tests, in English and Japanese, and a way to
summarise them as calls held on a Wednesday."""

from __future__ import annotations

import datetime as dt

from agent.core.domain import CallContext, Speaker, SummaryDraft, Utterance
from agent.processing.taxonomy import load_taxonomy
from integrations.builtin_summariser import BuiltinSummariser

AGENT, CUSTOMER, UNKNOWN = Speaker.AGENT, Speaker.CUSTOMER, Speaker.UNKNOWN
WEDNESDAY = dt.date(2026, 11, 18)

BROADBAND_CALL = [
    (AGENT, "Thank you for calling Northwind Broadband, this is Sam. How can I help you today?"),
    (CUSTOMER, "Hi Sam. My internet keeps dropping every evening and it is really frustrating."),
    (AGENT, "I'm sorry to hear that. Let me check your line."),
    (CUSTOMER, "It has been happening for about a week, usually around eight in the evening."),
    (
        AGENT,
        "I can see the router rebooting several times a night. "
        "The power adapter on that router model is known to fail.",
    ),
    (AGENT, "I will send you a replacement power adapter by Friday."),
    (CUSTOMER, "Okay. I'll be honest, I was close to cancelling."),
    (AGENT, "I understand. I will email you a confirmation today."),
    (AGENT, "Meanwhile, could you unplug the router for ten seconds and plug it back in?"),
    (CUSTOMER, "Done. The lights are green again."),
    (AGENT, "Is it working now?"),
    (CUSTOMER, "Yes, that fixed it, the connection is stable now."),
    (CUSTOMER, "I will restart the router tonight."),
    (
        AGENT,
        "So to recap, I'll send you the replacement adapter by Friday "
        "and I will email you a confirmation today.",
    ),
    (AGENT, "Is there anything else I can help you with?"),
    (CUSTOMER, "No, that's great, thank you so much for your help."),
    (AGENT, "You're welcome, have a lovely evening. Goodbye."),
]

HIKARI_CALL = [
    (AGENT, "お電話ありがとうございます。ノースウィンド光サポートの佐藤と申します。"),
    (CUSTOMER, "もしもし、毎晩インターネットが切れてしまって、本当に困っています。"),
    (AGENT, "ご迷惑をおかけして申し訳ございません。回線を確認いたしますので、少々お待ちください。"),
    (AGENT, "ルーターの電源アダプターに不具合があるようです。"),
    (AGENT, "交換用の電源アダプターを金曜日までにお送りします。"),
    (AGENT, "また、本日中に確認のメールをお送りいたします。"),
    (AGENT, "念のため、ルーターを一度再起動していただけますか？"),
    (CUSTOMER, "はい、再起動しました。あ、つながりました！"),
    (CUSTOMER, "今夜もう一度ルーターを再起動しておきます。"),
    (AGENT, "他に何かございますでしょうか？"),
    (CUSTOMER, "いえ、大丈夫です。本当に助かりました、ありがとうございます。"),
    (AGENT, "お電話ありがとうございました。失礼いたします。"),
]


def on_wednesday(language: str) -> CallContext:
    """The context of a call held on ``WEDNESDAY`` in ``language``."""
    return CallContext(call_date=WEDNESDAY, language=language)


def utterances(lines: list[tuple[Speaker, str]]) -> list[Utterance]:
    """``(speaker, text)`` lines as utterances, one every four seconds."""
    return [
        Utterance(start=4.0 * n, end=4.0 * n + 3.5, speaker=speaker, text=text)
        for n, (speaker, text) in enumerate(lines)
    ]


def summarise(lines: list[tuple[Speaker, str]], language: str = "en") -> SummaryDraft:
    """The built-in summariser's draft of ``lines``, a call held on ``WEDNESDAY``."""
    summariser = BuiltinSummariser(taxonomy=load_taxonomy())
    return summariser.summarise(utterances(lines), on_wednesday(language))
