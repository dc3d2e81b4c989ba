"""Two voices told apart on a mono recording: spectral features per stretch of speech, clustered.

Each stretch of words (up to two seconds, cut at pauses) is described by the mean and spread of
its mel-frequency cepstral coefficients, which carry the shape of a speaker's vocal tract more
than what is said. Whether the call holds one voice or two is decided by the Bayesian
information criterion of one against two Gaussians over the features' five main components
(too few stretches, or no gain from the second Gaussian: one voice); two voices are then
told apart by scikit-learn's agglomerative (Ward) clustering. Stretches too short to describe
take the voice of the nearest described stretch in time. The words then go back into
utterances, cut where the voice changes, with the voice as their ``channel`` (0 for the first
voice heard, 1 for the other).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from agent.core.domain import Utterance, Word

if TYPE_CHECKING:
    from faster_whisper.feature_extractor import FeatureExtractor

FRAME_S = 0.01  # the feature extractor's hop: 160 samples at 16 kHz
MAX_STRETCH_S = 2.0
STRETCH_PAUSE_S = 0.3
MIN_STRETCH_S = 0.5
CEPSTRA = slice(1, 20)  # the 0th is loudness, which says more about the line than the voice
# Fewer described stretches than this cannot show two voices (about 20 s of speech).
MIN_STRETCHES = 8
COMPONENTS = 5


@dataclass
class VoiceFinder:
    """Fed each window's samples and utterances; then labels every utterance's voice."""

    _stretches: list[_Stretch] = field(default_factory=list)

    def add(self, samples: np.ndarray, offset_s: float, utterances: list[Utterance]) -> None:
        mel = _extractor()(samples)
        cepstra = _cepstra(mel)
        for words in _stretches_of(utterances):
            start, end = words[0].start, words[-1].end
            first = max(int((start - offset_s) / FRAME_S), 0)
            last = min(int((end - offset_s) / FRAME_S), cepstra.shape[1])
            frames = cepstra[:, first:last]
            described = end - start >= MIN_STRETCH_S and frames.shape[1] > 1
            features = (
                np.concatenate([frames.mean(axis=1), frames.std(axis=1)]) if described else None
            )
            self._stretches.append(_Stretch(start, end, words, features))

    def label(self, utterances: list[Utterance]) -> tuple[list[Utterance], int]:
        """``utterances`` re-cut by voice, ``channel`` set to the voice; and how many voices."""
        voices = self._cluster()
        if voices is None:
            return utterances, 1
        by_word = {
            (w.start, w.end, w.text): voice
            for stretch, voice in zip(self._stretches, voices, strict=True)
            for w in stretch.words
        }
        relabelled: list[Utterance] = []
        for utterance in utterances:
            relabelled.extend(_split_by_voice(utterance, by_word))
        return relabelled, 2

    def _cluster(self) -> list[int] | None:
        described = [i for i, s in enumerate(self._stretches) if s.features is not None]
        if len(described) < MIN_STRETCHES:
            return None
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.preprocessing import StandardScaler

        features = [self._stretches[i].features for i in described]
        points = StandardScaler().fit_transform(np.stack(features))  # type: ignore[arg-type]
        if not _two_voices(points):
            return None
        labels = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(points)
        voices = dict(zip(described, (int(label) for label in labels), strict=True))
        filled = [
            voices.get(i, _nearest(i, voices, self._stretches)) for i in range(len(self._stretches))
        ]
        return _first_heard_is_zero(filled)


@dataclass(frozen=True)
class _Stretch:
    start: float
    end: float
    words: tuple[Word, ...]
    features: np.ndarray | None


@functools.cache
def _extractor() -> FeatureExtractor:
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor(feature_size=80)


@functools.cache
def _dct_rows(bands: int) -> np.ndarray:
    """Rows CEPSTRA of the orthonormal DCT-II over ``bands`` mel bands (what MFCCs take)."""
    k = np.arange(bands)[CEPSTRA, None]
    n = np.arange(bands)[None, :]
    rows: np.ndarray = np.sqrt(2 / bands) * np.cos(np.pi * (2 * n + 1) * k / (2 * bands))
    return rows


def _cepstra(mel: np.ndarray) -> np.ndarray:
    cepstra: np.ndarray = _dct_rows(mel.shape[0]) @ mel
    # Per-call normalisation removes the line's own colouring, common to both voices.
    normalised: np.ndarray = (cepstra - cepstra.mean(axis=1, keepdims=True)) / (
        cepstra.std(axis=1, keepdims=True) + 1e-6
    )
    return normalised


def _stretches_of(utterances: list[Utterance]) -> list[tuple[Word, ...]]:
    stretches: list[tuple[Word, ...]] = []
    for utterance in utterances:
        current: list[Word] = []
        for word in utterance.words:
            if current and (
                word.start - current[-1].end > STRETCH_PAUSE_S
                or word.end - current[0].start > MAX_STRETCH_S
            ):
                stretches.append(tuple(current))
                current = []
            current.append(word)
        if current:
            stretches.append(tuple(current))
    return stretches


def _two_voices(points: np.ndarray) -> bool:
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture

    main = PCA(n_components=min(COMPONENTS, len(points) - 1), random_state=0)
    reduced = main.fit_transform(points)
    one, two = (
        GaussianMixture(k, covariance_type="diag", reg_covar=1e-3, random_state=0)
        .fit(reduced)
        .bic(reduced)
        for k in (1, 2)
    )
    return bool(two < one)


def _nearest(index: int, voices: dict[int, int], stretches: list[_Stretch]) -> int:
    middle = (stretches[index].start + stretches[index].end) / 2
    closest = min(voices, key=lambda i: abs((stretches[i].start + stretches[i].end) / 2 - middle))
    return voices[closest]


def _first_heard_is_zero(voices: list[int]) -> list[int]:
    return voices if not voices or voices[0] == 0 else [1 - v for v in voices]


def _split_by_voice(
    utterance: Utterance, by_word: dict[tuple[float, float, str], int]
) -> list[Utterance]:
    if not utterance.words:
        return [replace(utterance, channel=0)]
    pieces: list[list[Word]] = []
    voices: list[int] = []
    for word in utterance.words:
        voice = by_word.get((word.start, word.end, word.text), voices[-1] if voices else 0)
        if not voices or voice != voices[-1]:
            pieces.append([])
            voices.append(voice)
        pieces[-1].append(word)
    texts = _cut_text(utterance.text, utterance.words, [len(words) for words in pieces])
    return [
        replace(
            utterance,
            start=words[0].start,
            end=words[-1].end,
            text=text,
            words=tuple(words),
            channel=voice,
        )
        for words, voice, text in zip(pieces, voices, texts, strict=True)
    ]


def _cut_text(text: str, words: tuple[Word, ...], sizes: list[int]) -> list[str]:
    """``text`` cut before the first word of each piece, keeping its own spacing and marks."""
    starts, cursor = [], 0
    for word in words:
        found = text.find(word.text, cursor)
        if found < 0:  # text and words disagree: fall back to the words themselves
            return _joined_words(words, sizes)
        starts.append(found)
        cursor = found + len(word.text)
    cuts, index = [], 0
    for size in sizes:
        cuts.append(0 if index == 0 else starts[index])
        index += size
    return [text[a:b].strip() for a, b in itertools.pairwise([*cuts, len(text)])]


def _joined_words(words: tuple[Word, ...], sizes: list[int]) -> list[str]:
    texts, index = [], 0
    for size in sizes:
        texts.append(" ".join(w.text for w in words[index : index + size]))
        index += size
    return texts
