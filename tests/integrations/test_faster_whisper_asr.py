"""Real faster-whisper on the bundled tiny.en model, on audio the project made itself."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from faster_whisper import decode_audio

from agent.core.domain import ChannelMap, Speaker, TranscribeOptions, Transcript, Utterance
from agent.core.ports import AudioDecodeError, RecordingTooLong, TranscriberUnavailable
from agent.processing.conversation_metrics import conversation_metrics
from integrations.audio_decode import probe
from integrations.bundled_models import tiny_en_path
from integrations.faster_whisper_asr import FasterWhisperTranscriber
from support.audio import tone, write_wav
from support.samples import SAMPLE_CALL, SAMPLE_SCRIPT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def transcriber() -> FasterWhisperTranscriber:
    return FasterWhisperTranscriber(str(tiny_en_path()))


@pytest.fixture(scope="module")
def sample_transcript(transcriber: FasterWhisperTranscriber):  # type: ignore[no-untyped-def]
    shares: list[float] = []
    transcript = transcriber.transcribe(SAMPLE_CALL, TranscribeOptions(), shares.append)
    return transcript, shares


def test_stereo_gives_agent_and_customer_by_channel(sample_transcript) -> None:  # type: ignore[no-untyped-def]
    transcript, _ = sample_transcript
    script = json.loads(SAMPLE_SCRIPT.read_text())
    assert transcript.language == "en"
    assert transcript.duration_s == pytest.approx(script["duration"], abs=0.5)
    by_speaker = {u.speaker for u in transcript.utterances}
    assert by_speaker == {Speaker.AGENT, Speaker.CUSTOMER}
    agent_text = " ".join(u.text for u in transcript.utterances if u.speaker is Speaker.AGENT)
    customer_text = " ".join(u.text for u in transcript.utterances if u.speaker is Speaker.CUSTOMER)
    assert "Northwind" in agent_text
    assert "by Friday" in agent_text
    assert "fixed it" in customer_text


def test_turns_come_in_call_order(sample_transcript) -> None:  # type: ignore[no-untyped-def]
    transcript, _ = sample_transcript
    starts = [u.start for u in transcript.utterances]
    assert starts == sorted(starts)
    first, second = transcript.utterances[0], transcript.utterances[1]
    assert first.speaker is Speaker.AGENT and "help" in first.text
    assert second.speaker is Speaker.CUSTOMER


def test_progress_is_reported_up_to_done(sample_transcript) -> None:  # type: ignore[no-untyped-def]
    _, shares = sample_transcript
    assert len(shares) > 3
    assert shares == sorted(shares)
    assert shares[-1] == 1.0


def test_the_channel_map_swaps_speakers(
    transcriber: FasterWhisperTranscriber, tmp_path: Path
) -> None:
    left, right = decode_audio(str(SAMPLE_CALL), split_stereo=True)
    clip = write_wav(tmp_path / "clip.wav", [left[: 16000 * 14], right[: 16000 * 14]])
    swapped = transcriber.transcribe(
        clip, TranscribeOptions(channel_map=ChannelMap.parse("customer,agent"))
    )
    greeting = swapped.utterances[0]
    assert "Northwind" in greeting.text
    assert greeting.speaker is Speaker.CUSTOMER


def test_mono_gives_one_unknown_speaker(
    transcriber: FasterWhisperTranscriber, tmp_path: Path
) -> None:
    mono = decode_audio(str(SAMPLE_CALL))[: 16000 * 14]
    transcript = transcriber.transcribe(
        write_wav(tmp_path / "mono.wav", [mono]), TranscribeOptions()
    )
    assert len(transcript.utterances) >= 3  # greeting, answer, question: cut at the pauses
    assert {u.speaker for u in transcript.utterances} == {Speaker.UNKNOWN}
    assert transcript.channels == 1


def test_stereo_with_the_same_signal_twice_is_mono(tmp_path: Path) -> None:
    signal = tone(1.0)
    assert probe(write_wav(tmp_path / "dup.wav", [signal, signal])).channels == 1
    other = tone(1.0, freq=220.0)
    assert probe(write_wav(tmp_path / "two.wav", [signal, other])).channels == 2


def test_silence_gives_no_utterances(transcriber: FasterWhisperTranscriber, tmp_path: Path) -> None:
    silent = write_wav(tmp_path / "silence.wav", [np.zeros(16000 * 3, dtype=np.float32)])
    transcript = transcriber.transcribe(silent, TranscribeOptions())
    assert transcript.utterances == []
    assert transcript.duration_s == pytest.approx(3.0)


def test_corrupt_audio_is_a_decode_error(
    transcriber: FasterWhisperTranscriber, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4)
    with pytest.raises(AudioDecodeError, match="could not be decoded"):
        transcriber.transcribe(corrupt, TranscribeOptions())


def test_a_missing_model_is_reported_as_unavailable(tmp_path: Path) -> None:
    broken = FasterWhisperTranscriber(str(tmp_path / "no-such-model"))
    with pytest.raises(TranscriberUnavailable, match="CALLSIGHT_ASR_MODEL"):
        broken.transcribe(SAMPLE_CALL, TranscribeOptions())


def script_utterances() -> tuple[list[Utterance], float]:
    script = json.loads(SAMPLE_SCRIPT.read_text())
    turns = [
        Utterance(t["start"], t["end"], Speaker(t["speaker"]), t["text"]) for t in script["turns"]
    ]
    return turns, script["duration"]


def test_metrics_match_the_timeline_the_recording_was_built_from(sample_transcript) -> None:  # type: ignore[no-untyped-def]
    transcript, _ = sample_transcript
    turns, duration = script_utterances()
    expected = conversation_metrics(turns, duration, stereo=True)
    measured = conversation_metrics(transcript.utterances, transcript.duration_s, stereo=True)
    for side in ("agent", "customer"):
        assert measured["talk_time_s"][side] == pytest.approx(
            expected["talk_time_s"][side], rel=0.1
        )
        assert measured["talk_ratio"][side] == pytest.approx(expected["talk_ratio"][side], abs=0.05)
        # Questions rest on the recogniser's punctuation, which may miss one question mark.
        assert abs(measured["questions"][side] - expected["questions"][side]) <= 1
    assert measured["interruptions"] == expected["interruptions"] == {"agent": 0, "customer": 1}
    # The script counts a turn's inner pauses as talk; turns are cut at pauses of 0.8 s or more.
    assert measured["silence_share"] == pytest.approx(expected["silence_share"], abs=0.08)
    assert measured["longest_customer_story_s"] == pytest.approx(
        expected["longest_customer_story_s"], abs=1.5
    )


def test_short_windows_give_the_same_transcript(sample_transcript) -> None:  # type: ignore[no-untyped-def]
    whole, _ = sample_transcript
    windowed = FasterWhisperTranscriber(str(tiny_en_path()), window_s=40.0).transcribe(
        SAMPLE_CALL, TranscribeOptions()
    )
    assert windowed.duration_s == whole.duration_s

    def words(transcript: Transcript) -> int:
        return sum(len(u.words) for u in transcript.utterances)

    assert words(windowed) == pytest.approx(words(whole), rel=0.05)
    assert [u.start for u in windowed.utterances] == sorted(u.start for u in windowed.utterances)
    assert windowed.utterances[-1].end <= windowed.duration_s

    def vocabulary(transcript: Transcript) -> set[str]:
        return {w.text.strip(".,?!").lower() for u in transcript.utterances for w in u.words}

    shared = vocabulary(windowed) & vocabulary(whole)
    assert len(shared) >= 0.9 * len(vocabulary(whole))  # tiny.en varies with its context


def test_words_carry_timestamps_inside_their_utterance(sample_transcript) -> None:  # type: ignore[no-untyped-def]
    transcript, _ = sample_transcript
    for utterance in transcript.utterances:
        assert utterance.words
        assert utterance.words[0].start == utterance.start
        assert utterance.words[-1].end == utterance.end
        assert " ".join(w.text for w in utterance.words) == " ".join(utterance.text.split())


@pytest.fixture(scope="module")
def greeting_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    left, right = decode_audio(str(SAMPLE_CALL), split_stereo=True)
    folder = tmp_path_factory.mktemp("greeting")
    return write_wav(folder / "greeting.wav", [left[: 16000 * 14], right[: 16000 * 14]])


def agent_text(transcript: Transcript) -> str:
    return " ".join(u.text for u in transcript.utterances if u.speaker is Speaker.AGENT)


def test_hotwords_and_prompts_teach_the_spelling_of_a_name(
    transcriber: FasterWhisperTranscriber, greeting_clip: Path
) -> None:
    """A company that spells itself "Nordwynd" gets that spelling only when it says so."""
    plain = transcriber.transcribe(greeting_clip, TranscribeOptions())
    assert "Northwind" in agent_text(plain) and "Nordwynd" not in agent_text(plain)
    per_upload = transcriber.transcribe(greeting_clip, TranscribeOptions(hotwords="Nordwynd"))
    assert "Nordwynd" in agent_text(per_upload)
    prompted = transcriber.transcribe(
        greeting_clip,
        TranscribeOptions(initial_prompt="Glossary: Nordwynd Broadband, Nordwynd router."),
    )
    assert "Nordwynd" in agent_text(prompted)
    globally = FasterWhisperTranscriber(str(tiny_en_path()), hotwords="Nordwynd")
    assert "Nordwynd" in agent_text(globally.transcribe(greeting_clip, TranscribeOptions()))


def test_a_recording_over_the_limit_is_refused_before_recognition(greeting_clip: Path) -> None:
    limited = FasterWhisperTranscriber(str(tiny_en_path()), max_duration_s=10.0)
    with pytest.raises(RecordingTooLong, match=r"lasts 0\.2 min, longer than the 0\.1667 min"):
        limited.transcribe(greeting_clip, TranscribeOptions())


def test_the_languages_uploads_may_name_are_the_ones_faster_whisper_knows() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    from agent.core.domain import SPEECH_LANGUAGES

    assert set(_LANGUAGE_CODES) == SPEECH_LANGUAGES
