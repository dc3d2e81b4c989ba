"""Conversation metrics on timelines whose talk times and overlaps are known by construction."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.core.domain import Speaker, Utterance
from agent.processing.conversation_metrics import conversation_metrics, union_length
from support.samples import SAMPLE_SCRIPT

A, C, U = Speaker.AGENT, Speaker.CUSTOMER, Speaker.UNKNOWN

TIMELINE = [
    Utterance(0.0, 10.0, A, "Thank you for calling. How can I help?"),
    Utterance(11.0, 20.0, C, "My router keeps dropping. Can you fix it?"),
    Utterance(19.0, 25.0, A, "Yes I can."),  # the agent cuts in one second early
    Utterance(26.0, 30.0, A, "Anything else?"),
    Utterance(40.0, 60.0, C, "No that is all thanks"),
]


def test_metrics_of_a_constructed_stereo_call() -> None:
    metrics = conversation_metrics(TIMELINE, duration_s=70.0, stereo=True)
    assert metrics["talk_time_s"] == {"agent": 20.0, "customer": 29.0}
    assert metrics["talk_ratio"] == {
        "agent": pytest.approx(20 / 49, abs=1e-4),
        "customer": pytest.approx(29 / 49, abs=1e-4),
    }
    # The agent's run 19-25 and 26-30 is 10 s of talk: the second's pause is not talk.
    assert metrics["longest_monologue_s"] == {"agent": 10.0, "customer": 20.0}
    assert metrics["longest_customer_story_s"] == 20.0
    assert metrics["interruptions"] == {"agent": 1, "customer": 0}
    assert metrics["overlap_s"] == 1.0
    assert metrics["questions"] == {"agent": 2, "customer": 1}
    assert metrics["silence_share"] == pytest.approx(22 / 70, abs=1e-4)
    assert metrics["speech_rate_wpm"] == {"agent": 39.0, "customer": pytest.approx(26.9)}


def test_mono_metrics_do_not_guess_interruptions() -> None:
    mono = [Utterance(u.start, u.end, U, u.text) for u in TIMELINE]
    metrics = conversation_metrics(mono, duration_s=70.0, stereo=False)
    assert metrics["interruptions"] is None
    assert metrics["overlap_s"] is None
    assert metrics["longest_customer_story_s"] is None
    assert metrics["talk_time_s"] == {"unknown": 48.0}
    assert metrics["talk_ratio"] == {"unknown": 1.0}


def test_an_empty_call_has_all_silence() -> None:
    metrics = conversation_metrics([], duration_s=5.0, stereo=True)
    assert metrics["silence_share"] == 1.0
    assert metrics["talk_time_s"] == {}
    assert metrics["interruptions"] == {}


def test_full_width_question_marks_count() -> None:
    question = "ルーターは直りますか？"
    japanese = [Utterance(0.0, 3.0, C, question), Utterance(4.0, 6.0, A, "はい。")]
    assert conversation_metrics(japanese, 6.0, True)["questions"] == {"agent": 0, "customer": 1}


def test_union_length_merges_overlaps() -> None:
    assert union_length([(0, 2), (1, 3), (5, 6), (5.5, 5.7)]) == 4.0


def test_the_sample_scripts_own_metrics() -> None:
    """The sample call's script: one overlap, where the customer cuts in on the agent."""
    script = json.loads(SAMPLE_SCRIPT.read_text())
    turns = [
        Utterance(t["start"], t["end"], Speaker(t["speaker"]), t["text"]) for t in script["turns"]
    ]
    metrics = conversation_metrics(turns, script["duration"], stereo=True)
    assert metrics["interruptions"] == {"agent": 0, "customer": 1}
    assert metrics["overlap_s"] == pytest.approx(0.4, abs=0.01)
    agent_talk = sum(t.end - t.start for t in turns if t.speaker is A)
    assert metrics["talk_time_s"]["agent"] == pytest.approx(agent_talk, abs=0.01)


def test_a_mono_call_with_pauses_has_no_monologue_longer_than_its_talk() -> None:
    heard = [
        Utterance(0.0, 6.0, U, "Hello, thanks for calling."),
        Utterance(6.5, 12.0, U, "Hi, my internet drops every evening."),
        Utterance(20.0, 28.5, U, "Let me push new firmware to the router."),
    ]
    metrics = conversation_metrics(heard, duration_s=30.0, stereo=False)
    assert metrics["talk_time_s"] == {"unknown": 20.0}
    assert metrics["longest_monologue_s"] == {"unknown": 11.5}  # the 8 s silence ends a run


@given(
    st.lists(
        st.tuples(
            st.floats(0, 600, allow_nan=False),
            st.floats(0.1, 30, allow_nan=False),
            st.sampled_from([A, C, U]),
        ),
        max_size=30,
    )
)
@settings(max_examples=200, deadline=None)
def test_no_monologue_is_ever_longer_than_its_sides_talk(
    spans: list[tuple[float, float, Speaker]],
) -> None:
    heard = [Utterance(start, start + length, who, "words") for start, length, who in spans]
    metrics = conversation_metrics(heard, duration_s=700.0, stereo=False)
    for side, longest in metrics["longest_monologue_s"].items():
        assert longest <= metrics["talk_time_s"][side] + 0.01
