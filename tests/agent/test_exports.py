from __future__ import annotations

import dataclasses
import json

from agent.calls.exports import TranscriptDocument, TranscriptFormat, render
from agent.calls.speaker_view import SpeakerView
from agent.core.domain import Speaker, Utterance, Word

A, C = Speaker.AGENT, Speaker.CUSTOMER
DOCUMENT = TranscriptDocument(
    call_id="abc",
    language="en",
    duration_s=3700.0,
    speaker_roles="channels",
    utterances=[
        Utterance(1.5, 3.25, A, "Hello <b>there</b> & welcome.", (Word(1.5, 2.0, "Hello"),)),
        Utterance(3661.002, 3662.5, C, "Two lines\n\nin one cue."),
    ],
)


def test_srt_numbers_cues_and_uses_comma_milliseconds() -> None:
    assert render(DOCUMENT, TranscriptFormat.SRT) == (
        "1\n00:00:01,500 --> 00:00:03,250\nAgent: Hello <b>there</b> & welcome.\n\n"
        "2\n01:01:01,002 --> 01:01:02,500\nCustomer: Two lines in one cue.\n"
    )


def test_vtt_escapes_markup_and_names_voices() -> None:
    vtt = render(DOCUMENT, TranscriptFormat.VTT)
    assert vtt.startswith("WEBVTT\n\n00:00:01.500 --> 00:00:03.250\n")
    assert "<v agent>Hello &lt;b&gt;there&lt;/b&gt; &amp; welcome." in vtt
    assert "<v customer>Two lines in one cue." in vtt


def test_txt_and_json() -> None:
    assert render(DOCUMENT, TranscriptFormat.TXT).splitlines() == [
        "[00:00:01] agent: Hello <b>there</b> & welcome.",
        "[01:01:01] customer: Two lines in one cue.",
    ]
    body = json.loads(render(DOCUMENT, TranscriptFormat.JSON))
    assert body["speaker_roles"] == "channels"
    assert body["segments"][0]["words"] == [
        {"start": 1.5, "end": 2.0, "text": "Hello", "probability": 1.0}
    ]
    assert body["segments"][1]["text"] == "Two lines\n\nin one cue."


def test_every_format_shows_the_names_and_roles_a_lead_gave() -> None:
    named = dataclasses.replace(
        DOCUMENT,
        speakers=(
            SpeakerView(speaker="agent", role="customer", name="Dana Kim"),
            SpeakerView(speaker="customer", role="agent", name="Sam <Lee>"),
        ),
    )
    assert (
        render(named, TranscriptFormat.TXT)
        .splitlines()[0]
        .startswith("[00:00:01] Dana Kim (customer): Hello")
    )
    assert "\nSam <Lee> (agent): Two lines" in render(named, TranscriptFormat.SRT)
    assert "<v Sam &lt;Lee&gt; (agent)>Two lines" in render(named, TranscriptFormat.VTT)
    body = json.loads(render(named, TranscriptFormat.JSON))
    assert body["speakers"][0] == {"speaker": "agent", "role": "customer", "name": "Dana Kim"}
    first = body["segments"][0]
    assert (first["speaker"], first["role"], first["name"]) == ("agent", "customer", "Dana Kim")


def test_a_swapped_but_unnamed_speaker_shows_the_corrected_role() -> None:
    swapped = dataclasses.replace(
        DOCUMENT,
        speakers=(
            SpeakerView(speaker="agent", role="customer"),
            SpeakerView(speaker="customer", role="agent"),
        ),
    )
    assert render(swapped, TranscriptFormat.SRT).split("\n")[2].startswith("Customer: Hello")
