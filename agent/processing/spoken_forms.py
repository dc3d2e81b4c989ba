"""Speech-recognition spellings of numbers, read as the digits they stand for.

Detection runs on a *shadow* of the transcript in which "four one five" reads ``415`` and
"〇九〇の一二三四" reads ``090-1234``; every shadow character remembers the span of the original
text it came from, so a finding in the shadow replaces exactly the words that were spoken.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_WORD_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_REPEATS = {"double": 2, "triple": 3}
_SAID_SEPARATORS = {",": ", ", "-": "-", "dash": "-", "hyphen": "-"}
_KANJI_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")

_DIGIT_WORD = rf"(?:(?:double|triple)[ \t]+)?(?:{'|'.join(_WORD_DIGITS)})"
# Never a line break: that is where one utterance ends and the next begins.
_SPOKEN_SEPARATOR = r"(?:[ \t]+(?:dash|hyphen)[ \t]+|[ \t]*[,-][ \t]*|[ \t]+)"
SPOKEN_DIGITS = re.compile(
    rf"(?<![A-Za-z'])(?:{_DIGIT_WORD})(?:{_SPOKEN_SEPARATOR}(?:{_DIGIT_WORD}))*(?![A-Za-z'])",
    re.IGNORECASE,
)
"""A run of digits said one by one: "four one five", "double five", "oh one three four"."""
KANJI_DIGITS = re.compile(r"[〇零一二三四五六七八九]{2,}")
# "090の1234" (hiragana or katakana no), "ハイフン", or a dash of any width between digits.
_JAPANESE_SEPARATOR = re.compile(
    r"(?<=\d)\s*(?:ハイフン|の|\u30ce|[ー\u2010\u2015\u2212])\s*(?=\d)"
)
_SPOKEN_TOKEN = re.compile(r"(?:(?:double|triple)[ \t]+)?[A-Za-z]+|[,-]", re.IGNORECASE)
_SPOKEN_PLUS = re.compile(r"(?<![A-Za-z])plus\s+(?=\d)", re.IGNORECASE)
_LAST_PUNCTUATION = re.compile(r"(?<=\d)[!?。、]+(?=[ \t]*\n)")


Piece = tuple[str, int, int]
"""Replacement text and the span, within the match, that it stands for."""
Replacement = str | list[Piece]


@dataclass(frozen=True)
class Shadow:
    """Text for detection, with the original span ``[starts[i], ends[i])`` of each character."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Shadow:
        return cls(text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """The original span that shadow characters ``[start, end)`` came from."""
        return self.starts[start], self.ends[end - 1]

    def sub(
        self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], Replacement]
    ) -> Shadow:
        """Each match replaced: by a string, which maps to the whole span of the match, or by
        pieces that each map to their own part of it."""
        text: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        kept = 0
        for match in pattern.finditer(self.text):
            begin, end = match.span()
            text.append(self.text[kept:begin])
            starts += self.starts[kept:begin]
            ends += self.ends[kept:begin]
            replacement = replace(match) if end > begin else ""
            pieces: list[Piece] = (
                [(replacement, 0, end - begin)] if isinstance(replacement, str) else replacement
            )
            for piece, piece_start, piece_end in pieces:
                text.append(piece)
                starts += [self.starts[begin + piece_start]] * len(piece)
                ends += [self.ends[begin + piece_end - 1]] * len(piece)
            kept = end
        text.append(self.text[kept:])
        starts += self.starts[kept:]
        ends += self.ends[kept:]
        return Shadow("".join(text), tuple(starts), tuple(ends))

    def mask(self, start: int, end: int) -> Shadow:
        """Characters ``[start, end)`` blanked out so that nothing else is found in them."""
        text = self.text[:start] + "\ufffc" * (end - start) + self.text[end:]
        return Shadow(text, self.starts, self.ends)


def written(text: str) -> Shadow:
    """The shadow of ``text`` with spoken and Japanese spellings of digits written as digits."""
    shadow = Shadow.of(text)
    shadow = shadow.sub(SPOKEN_DIGITS, _spoken_run)
    shadow = shadow.sub(KANJI_DIGITS, lambda match: match[0].translate(_KANJI_DIGITS))
    shadow = shadow.sub(_JAPANESE_SEPARATOR, lambda _match: "-")
    shadow = shadow.sub(_SPOKEN_PLUS, lambda _match: "+")
    # A number that goes on in the next utterance: the recogniser's full stop is not the end.
    return shadow.sub(_LAST_PUNCTUATION, lambda _match: "")


def _spoken_run(match: re.Match[str]) -> list[Piece]:
    """Digits for the words, each mapped to its own word, so a finding covers only its words.

    "Oh, I see" reads "0, I see" too: harmless, since only the shapes of numbers are looked for.
    """
    pieces = []
    for token in _SPOKEN_TOKEN.finditer(match[0]):
        words = token[0].lower().split()
        repeat = _REPEATS.get(words[0], 1)
        digit = _WORD_DIGITS.get(words[-1])
        # A comma said between digits is a pause, not the thousands mark of "10,000".
        written = digit * repeat if digit else _SAID_SEPARATORS.get(words[-1], "-")
        pieces.append((written, token.start(), token.end()))
    return pieces
