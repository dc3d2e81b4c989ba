from __future__ import annotations

from agent.core.domain import ChannelMap, Speaker, Utterance
from agent.processing.speaker_roles import infer_roles, relabel

A, C = Speaker.AGENT, Speaker.CUSTOMER


def said(channel: int, start: float, text: str) -> Utterance:
    return Utterance(start, start + 2.0, ChannelMap().speaker(channel), text, channel=channel)


def test_the_side_that_greets_and_offers_help_is_the_agent() -> None:
    call = [
        said(0, 0.5, "Hi, my internet keeps dropping."),
        said(1, 3.0, "Thank you for calling Northwind. How can I help you today?"),
        said(0, 6.0, "It drops every evening."),
    ]
    inference = infer_roles(call, company_name=None)
    assert inference.channel_map == ChannelMap(left=C, right=A)
    assert any("right channel" in line and "how can i help" in line for line in inference.evidence)
    assert [u.speaker for u in relabel(call, inference.channel_map)] == [C, A, C]


def test_the_company_name_counts_as_a_cue() -> None:
    call = [said(0, 1.0, "Northwind Broadband, Sam speaking."), said(1, 4.0, "Hello Sam.")]
    assert infer_roles(call, company_name=None).channel_map is None
    inference = infer_roles(call, company_name="Northwind Broadband")
    assert inference.channel_map == ChannelMap(left=A, right=C)


def test_no_cue_either_way_infers_nothing() -> None:
    call = [said(0, 0.0, "Hello."), said(1, 2.0, "Hello there.")]
    inference = infer_roles(call, company_name="Acme")
    assert inference.channel_map is None
    assert inference.evidence == []
