"""A Japanese tokenizer with no dictionary package: known words first, then script runs.

Japanese puts no spaces between words. Runs of one script approximate words well enough for
keyword statistics (kanji compounds, katakana loanwords, Latin words and numbers); hiragana runs
are mostly grammar and are kept only so clause lengths stay honest. Words listed in a
vocabulary (the sentiment lexicon) are matched first, longest first, so "助かりました" stays
one token instead of a kanji and a hiragana run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrations.builtin_summariser.text import normalise

Tokeniser = Callable[[str], list[str]]


def script(char: str) -> str | None:
    """``kanji``, ``hiragana``, ``katakana``, ``latin`` (letters and digits), or None."""
    code = ord(char)
    if 0x3041 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
        return "katakana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or char in "々〆":
        return "kanji"
    if char.isalnum():
        return "latin"
    return None


def is_hiragana(token: str) -> bool:
    """Whether ``token`` is written in hiragana only (then it is grammar, not content)."""
    return all(script(char) == "hiragana" for char in token)


def make_tokeniser(vocabulary: Iterable[str]) -> Tokeniser:
    """A tokenizer that keeps each word of ``vocabulary`` whole and splits the rest by script."""
    by_first: dict[str, list[str]] = {}
    for word in sorted(set(vocabulary), key=len, reverse=True):
        by_first.setdefault(word[0], []).append(word)

    def tokenise(text: str) -> list[str]:
        text = normalise(text).lower()
        tokens: list[str] = []
        run, run_script, position = "", None, 0
        while position < len(text):
            word = next(
                (w for w in by_first.get(text[position], ()) if text.startswith(w, position)), None
            )
            kind = "word" if word else script(text[position])
            if run and kind != run_script:
                tokens.append(run)
                run = ""
            if word:
                tokens.append(word)
                position += len(word)
                run_script = None
                continue
            run_script = kind
            run = run + text[position] if kind else ""
            position += 1
        if run:
            tokens.append(run)
        return tokens

    return tokenise
