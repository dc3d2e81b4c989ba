"""Speech recognition with faster-whisper; stereo calls give one speaker per channel."""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.core.domain import Speaker, TranscribeOptions, Transcript, Utterance, Word
from agent.core.ports import ProgressCallback, RecordingTooLong, TranscriberUnavailable
from integrations.audio_decode import (
    SAMPLE_RATE,
    SEARCH_S,
    WINDOW_S,
    AudioProbe,
    probe,
    windows,
)
from integrations.diarization import VoiceFinder
from integrations.speech_edges import trim_to_sound

if TYPE_CHECKING:
    # faster-whisper (with ctranslate2 and onnxruntime) is imported when a model is first loaded.
    import numpy as np
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment
    from faster_whisper.transcribe import Word as WhisperWord

# A pause this long inside one channel ends a turn: whisper segments span pauses, turns must not.
TURN_PAUSE_S = 0.8
# On mono both sides share the channel and hand over after short gaps, so turns cut sooner; the
# speakers stay unknown either way.
MONO_TURN_PAUSE_S = 0.5
# VAD cuts speech at pauses of half a second (faster-whisper's default waits two seconds): on a
# call channel that keeps each chunk to one turn, which measured fewer errors (docs/benchmarks.md).
VAD_PARAMETERS = {"min_silence_duration_ms": 500}
# An English-only model's first window heard below this average log-probability, or looping
# above this compression ratio, sends the call to language detection (``_Confidence``).
DOUBTFUL_LOGPROB = -0.55
DOUBTFUL_COMPRESSION = 2.4
DETECTION_S = 120


def available_cores() -> int:
    """CPU cores this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@functools.cache
def load_model(model: str, device: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    """Load a model once per process; later calls with the same settings share it."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            model, device=device, compute_type=compute_type, cpu_threads=cpu_threads
        )
    except Exception as error:
        raise TranscriberUnavailable(
            f"ASR model {model!r} could not be loaded ({error}); check CALLSIGHT_ASR_MODEL"
        ) from error


class FasterWhisperTranscriber:
    """The ``Transcriber`` port on faster-whisper: VAD, batched inference, word timestamps.

    The recording is decoded in windows of ``window_s`` seconds (cut in a quiet moment), so a
    long call needs memory for one window, not the whole file. Each channel of a true stereo
    recording is transcribed on its own and gives one speaker.

    An English-only ``model`` (tiny.en, fast) hears English calls; ``multilingual_model`` (found
    by calling it, at the first call that needs it) detects the language of calls that do not
    name one and hears the calls that are not English.
    """

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        batch_size: int = 8,
        beam_size: int = 2,
        language: str | None = None,
        hotwords: str | None = None,
        initial_prompt: str | None = None,
        max_duration_s: float | None = None,
        window_s: float = WINDOW_S,
        multilingual_model: Callable[[], str] | None = None,
    ) -> None:
        threads = cpu_threads or available_cores()
        self._model_args = (model, device, compute_type, threads)
        self._multilingual = multilingual_model
        self._multilingual_args = (device, compute_type, threads)
        self._batch_size = batch_size
        self._beam_size = beam_size
        self._defaults = TranscribeOptions(
            language=language, hotwords=hotwords, initial_prompt=initial_prompt
        )
        self._max_duration_s = max_duration_s
        self._window_s = window_s

    def transcribe(
        self,
        audio_path: Path,
        options: TranscribeOptions,
        on_progress: ProgressCallback | None = None,
    ) -> Transcript:
        audio = probe(audio_path, keep_s=self._window_s + SEARCH_S)
        self._check_length(audio)
        progress = _ChannelProgress(audio.channels, audio.duration_s, on_progress)
        asked = options.language or self._defaults.language
        try:
            return self._hear(audio_path, audio, asked, options, progress)
        except _NotEnglish as heard:
            return self._hear(audio_path, audio, heard.language, options, progress)

    def _hear(
        self,
        audio_path: Path,
        audio: AudioProbe,
        asked: str | None,
        options: TranscribeOptions,
        progress: _ChannelProgress,
    ) -> Transcript:
        chosen: tuple[str, WhisperModel] | None = None
        confidence = _Confidence()
        utterances: list[Utterance] = []
        voices = VoiceFinder() if audio.channels == 1 else None
        pieces = (
            [(0.0, audio.samples)]
            if audio.samples is not None
            else windows(audio_path, audio.channels, self._window_s)
        )
        for offset, samples in pieces:
            first = chosen is None
            chosen = chosen or self._model_for(asked, samples)
            language, model = chosen
            for channel in range(audio.channels):
                found = self._transcribe_channel(
                    model,
                    samples[channel],
                    offset,
                    language,
                    options,
                    progress,
                    channel,
                    confidence,
                )
                if voices is not None:
                    voices.add(samples[channel], offset, found)
                utterances.extend(_label(found, options, audio.channels, channel))
            if first and asked is None:
                self._check_english(model, samples, confidence)
        progress.finish()
        voice_count = None
        if voices is not None:
            utterances, voice_count = voices.label(utterances)
        utterances.sort(key=lambda u: (u.start, u.end))
        return Transcript(
            language=chosen[0] if chosen else asked or "en",
            duration_s=audio.duration_s,
            utterances=utterances,
            channels=audio.channels,
            channel_correlation=audio.channel_correlation,
            voices=voice_count,
        )

    def _model_for(self, language: str | None, samples: np.ndarray) -> tuple[str, WhisperModel]:
        """The call's language and its model; English when an English-only model is the main one.

        A call in another language is caught after its first window (``_check_english``), so
        English calls never pay for loading the multilingual model.
        """
        main = load_model(*self._model_args)
        if main.model.is_multilingual:
            return language or _detect_language(main, samples), main
        if language is None or language == "en":
            return "en", main
        return language, self._load_multilingual(language)

    def _check_english(
        self, model: WhisperModel, samples: np.ndarray, confidence: _Confidence
    ) -> None:
        """Raise ``_NotEnglish`` when an English-only model heard the first window poorly and
        the multilingual model says it is another language."""
        if model.model.is_multilingual or self._multilingual is None:
            return
        if not confidence.doubtful():
            return
        detected = _detect_language(self._load_multilingual(), samples)
        if detected != "en":
            raise _NotEnglish(detected)

    def _load_multilingual(self, language: str | None = None) -> WhisperModel:
        if self._multilingual is None:
            raise TranscriberUnavailable(
                f"the call's language is {language!r} but the ASR model is English-only and no "
                "multilingual model is configured: set CALLSIGHT_ASR_MULTILINGUAL_MODEL"
            )
        return load_model(self._multilingual(), *self._multilingual_args)

    def _check_length(self, audio: AudioProbe) -> None:
        if self._max_duration_s and audio.duration_s > self._max_duration_s:
            raise RecordingTooLong(
                f"the recording lasts {audio.duration_s / 60:.1f} min, longer than the "
                f"{self._max_duration_s / 60:.4g} min limit (CALLSIGHT_MAX_DURATION_MIN); "
                "split it into parts"
            )

    def _transcribe_channel(
        self,
        model: WhisperModel,
        samples: np.ndarray,
        offset: float,
        language: str,
        options: TranscribeOptions,
        progress: _ChannelProgress,
        channel: int,
        confidence: _Confidence,
    ) -> list[Utterance]:
        utterances = []
        pause = TURN_PAUSE_S if progress.channels == 2 else MONO_TURN_PAUSE_S
        for segment in self._run(model, samples, language, options):
            progress.update(channel, offset + segment.end)
            confidence.add(segment)
            utterances.extend(split_at_pauses(segment, Speaker.UNKNOWN, offset, pause))
        progress.settle(channel, offset + len(samples) / SAMPLE_RATE)
        return trim_to_sound(utterances, samples, offset)

    def _run(
        self, model: WhisperModel, samples: np.ndarray, language: str, options: TranscribeOptions
    ) -> Iterable[Segment]:
        segments: Iterable[Segment]
        common: dict[str, Any] = {
            "language": language,
            "beam_size": self._beam_size,
            "word_timestamps": True,
            "vad_parameters": VAD_PARAMETERS,
            "hotwords": _joined(self._defaults.hotwords, options.hotwords),
            "initial_prompt": options.initial_prompt or self._defaults.initial_prompt,
        }
        if self._batch_size > 1:
            from faster_whisper import BatchedInferencePipeline

            pipeline = BatchedInferencePipeline(model)
            segments, _ = pipeline.transcribe(samples, batch_size=self._batch_size, **common)
        else:
            segments, _ = model.transcribe(samples, vad_filter=True, **common)
        return segments


def _detect_language(model: WhisperModel, samples: np.ndarray) -> str:
    if not model.model.is_multilingual:
        return "en"
    mixed = samples.mean(axis=0) if samples.ndim == 2 else samples
    # Whisper reads 30 s of speech to tell the language; two minutes hold that in any call.
    language, _, _ = model.detect_language(mixed[: DETECTION_S * SAMPLE_RATE], vad_filter=True)
    return str(language)


class _NotEnglish(Exception):
    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.language = language


class _Confidence:
    """How sure the model was of what it heard, weighted by each segment's length.

    An English-only model given other speech still writes English, but with a low average
    log-probability or, looping on a phrase, a high compression ratio (measured on the shared
    recordings: English -0.05 to -0.34, Japanese, Korean, German and French -0.72 to -1.23).
    """

    def __init__(self) -> None:
        self._seconds = 0.0
        self._logprob = 0.0
        self._compression = 0.0

    def add(self, segment: Segment) -> None:
        length = max(float(segment.end - segment.start), 0.01)
        self._seconds += length
        self._logprob += float(segment.avg_logprob) * length
        self._compression += float(segment.compression_ratio) * length

    def doubtful(self) -> bool:
        if self._seconds == 0:
            return False
        return (
            self._logprob / self._seconds < DOUBTFUL_LOGPROB
            or self._compression / self._seconds > DOUBTFUL_COMPRESSION
        )


def _joined(*parts: str | None) -> str | None:
    given = [part.strip() for part in parts if part and part.strip()]
    return " ".join(given) if given else None


def _label(
    utterances: list[Utterance], options: TranscribeOptions, channels: int, channel: int
) -> list[Utterance]:
    if channels == 1:
        return utterances
    speaker = options.channel_map.speaker(channel)
    return [
        Utterance(u.start, u.end, speaker, u.text, u.words, channel=channel) for u in utterances
    ]


def split_at_pauses(
    segment: Segment, speaker: Speaker, offset: float = 0.0, pause_s: float = TURN_PAUSE_S
) -> list[Utterance]:
    """Cut a segment into utterances wherever its words pause for ``pause_s`` or longer."""
    words = [word for word in segment.words or [] if word.word.strip()]
    if not words:
        text = segment.text.strip()
        start, end = float(offset + segment.start), float(offset + segment.end)
        return [Utterance(start, end, speaker, text)] if text else []
    groups: list[list[WhisperWord]] = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        if word.start - previous.end >= pause_s:
            groups.append([])
        groups[-1].append(word)
    return [_utterance(group, speaker, offset) for group in groups]


def _utterance(words: list[WhisperWord], speaker: Speaker, offset: float) -> Utterance:
    kept = tuple(
        Word(
            round(float(offset + w.start), 3),
            round(float(offset + w.end), 3),
            w.word.strip(),
            round(float(w.probability), 3),
        )
        for w in words
    )
    text = "".join(word.word for word in words).strip()
    return Utterance(kept[0].start, kept[-1].end, speaker, text, kept)


class _ChannelProgress:
    """Folds per-channel positions into one share of the whole job."""

    def __init__(self, channels: int, duration_s: float, callback: ProgressCallback | None) -> None:
        self.channels = channels
        self._positions = [0.0] * channels
        self._total = max(duration_s, 1e-6) * channels
        self._callback = callback
        self._last = 0.0

    def update(self, channel: int, position_s: float) -> None:
        self._positions[channel] = max(self._positions[channel], position_s)
        share = min(sum(self._positions) / self._total, 1.0)
        if self._callback and share > self._last:
            self._last = share
            self._callback(share)

    def settle(self, channel: int, position_s: float) -> None:
        """The channel is done up to ``position_s``, speech or not."""
        self.update(channel, position_s)

    def finish(self) -> None:
        if self._callback:
            self._callback(1.0)
