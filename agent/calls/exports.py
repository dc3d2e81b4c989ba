"""A call's transcript as a file: JSON with word timestamps, plain text, SRT or WebVTT."""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.calls.speaker_view import SpeakerView
from agent.core.domain import Utterance


class TranscriptFormat(enum.StrEnum):
    JSON = "json"
    TXT = "txt"
    SRT = "srt"
    VTT = "vtt"


MEDIA_TYPES = {
    TranscriptFormat.JSON: "application/json",
    TranscriptFormat.TXT: "text/plain; charset=utf-8",
    TranscriptFormat.SRT: "application/x-subrip; charset=utf-8",
    TranscriptFormat.VTT: "text/vtt; charset=utf-8",
}


@dataclass(frozen=True)
class TranscriptDocument:
    call_id: str
    language: str | None
    duration_s: float | None
    speaker_roles: str | None
    utterances: Sequence[Utterance]
    speakers: Sequence[SpeakerView] = field(default_factory=tuple)

    def speaker(self, label: str) -> SpeakerView:
        """The speaker behind a transcript label, named and re-roled as the lead said."""
        known = {view.speaker: view for view in self.speakers}
        return known.get(label) or SpeakerView(speaker=label, role=label)


def render(document: TranscriptDocument, fmt: TranscriptFormat) -> str:
    """The transcript in ``fmt``; text is kept as spoken (UTF-8, any script)."""
    renderers = {
        TranscriptFormat.JSON: _json,
        TranscriptFormat.TXT: _txt,
        TranscriptFormat.SRT: _srt,
        TranscriptFormat.VTT: _vtt,
    }
    return renderers[fmt](document)


def filename(document: TranscriptDocument, fmt: TranscriptFormat) -> str:
    return f"call-{document.call_id}.{fmt.value}"


def _json(document: TranscriptDocument) -> str:
    body = {
        "call_id": document.call_id,
        "language": document.language,
        "duration_s": document.duration_s,
        "speaker_roles": document.speaker_roles,
        "speakers": [
            document.speaker(label).model_dump()
            for label in dict.fromkeys(u.speaker.value for u in document.utterances)
        ],
        "segments": [
            {
                "start": u.start,
                "end": u.end,
                "speaker": u.speaker.value,
                "role": document.speaker(u.speaker.value).role,
                "name": document.speaker(u.speaker.value).name,
                "text": u.text,
                "words": [
                    {"start": w.start, "end": w.end, "text": w.text, "probability": w.probability}
                    for w in u.words
                ],
            }
            for u in document.utterances
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def _txt(document: TranscriptDocument) -> str:
    lines = [
        f"[{_clock(u.start, '.')[:-4]}] {_voice(document, u)}: {_one_line(u.text)}"
        for u in document.utterances
    ]
    return "\n".join(lines) + "\n" if lines else ""


def _srt(document: TranscriptDocument) -> str:
    cues = [
        f"{index}\n{_clock(u.start, ',')} --> {_clock(u.end, ',')}\n"
        f"{_voice(document, u, capital=True)}: {_one_line(u.text)}\n"
        for index, u in enumerate(document.utterances, start=1)
    ]
    return "\n".join(cues)


def _vtt(document: TranscriptDocument) -> str:
    cues = [
        f"{_clock(u.start, '.')} --> {_clock(u.end, '.')}\n"
        f"<v {_vtt_escape(_voice(document, u))}>{_vtt_escape(_one_line(u.text))}\n"
        for u in document.utterances
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def _voice(document: TranscriptDocument, utterance: Utterance, capital: bool = False) -> str:
    speaker = document.speaker(utterance.speaker.value)
    return speaker.role.capitalize() if capital and not speaker.name else speaker.display


def _clock(seconds: float, decimal: str) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def _one_line(text: str) -> str:
    # A blank line ends a cue in SRT and WebVTT; transcript text must never do that.
    return " ".join(text.split())


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
