"""Hypothesis strategies for personal data as speech recognition writes it, and ordinary text.

Each strategy draws a ``Pii``: what was said (the e-mail address or the digits) and how the
recogniser wrote it, as tokens that a pause may split between consecutive utterances.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import strategies as st
from phonenumbers import PhoneNumberType, example_number_for_type

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
KANJI = "〇一二三四五六七八九"
# Words the recogniser writes that redaction must read as structure, never as a name.
_RESERVED = {"at", "dot", "period", "underscore", "dash", "hyphen", "plus", "oh", "double",
             "triple", *WORDS}  # fmt: skip


@dataclass(frozen=True)
class Pii:
    """One piece of personal data, said once.

    ``secret`` is what must not reach the model (the address, or the digits); ``tokens`` is the
    recogniser's rendering, and ``glue`` the text between consecutive tokens.
    """

    label: str
    secret: str
    tokens: tuple[str, ...]
    glue: tuple[str, ...]
    japanese: bool = False

    def joined(self, start: int, end: int) -> str:
        """Tokens ``[start, end)`` as the recogniser wrote them, glue between."""
        text = self.tokens[start]
        for index in range(start + 1, end):
            text += self.glue[index - 1] + self.tokens[index]
        return text


def _luhn_completed(body: str) -> str:
    for check in "0123456789":
        digits = body + check
        total = sum(
            (int(c) * 2 - 9 if int(c) > 4 else int(c) * 2) if i % 2 else int(c)
            for i, c in enumerate(reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable: one check digit always completes the sum")


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=count, max_size=count)


@st.composite
def _spoken(draw: st.DrawFn, group: str) -> str:
    """A digit group said one digit at a time: "oh" for zero, "double five" for a repeat."""
    words, i = [], 0
    while i < len(group):
        digit = group[i]
        if i + 1 < len(group) and group[i + 1] == digit and draw(st.booleans()):
            words.append(f"double {WORDS[int(digit)]}")
            i += 2
            continue
        words.append(draw(st.sampled_from(["zero", "oh"])) if digit == "0" else WORDS[int(digit)])
        i += 1
    return " ".join(words)


@st.composite
def _rendered(draw: st.DrawFn, label: str, digits: str, groups: list[str], plus: bool) -> Pii:
    """Digit groups as written, run on, comma-grouped, or spoken digit by digit."""
    form = draw(st.sampled_from(["grouped", "run-on", "commas", "spoken"]))
    lead = "+" if plus else ""
    if form == "run-on":
        return Pii(label, digits, (lead + "".join(groups),), ())
    if form == "commas" and not plus and digits[0] != "0":
        return Pii(label, digits, (f"{int(digits):,}",), ())
    if form == "spoken":
        spoken = [draw(_spoken(group)) for group in groups]
        if plus:
            spoken[0] = "plus " + spoken[0]
        glue = draw(st.sampled_from([", ", " ", " dash "]))
        return Pii(label, digits, tuple(spoken), (glue,) * (len(groups) - 1))
    glue = draw(st.sampled_from([" ", "-", "." if label == "PHONE" else "-"]))
    return Pii(label, digits, (lead + groups[0], *groups[1:]), (glue,) * (len(groups) - 1))


@st.composite
def cards(draw: st.DrawFn) -> Pii:
    """A Luhn-valid card number (Visa, Mastercard, Amex, Discover, JCB) in any form."""
    prefix, length = draw(
        st.sampled_from([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16), ("35", 16)])
    )
    digits = _luhn_completed(prefix + draw(_digits(length - len(prefix) - 1)))
    if length == 15:
        groups = [digits[:4], digits[4:10], digits[10:]]
    else:
        groups = [digits[i : i + 4] for i in range(0, length, 4)]
    return draw(_rendered("CARD", digits, groups, plus=False))


@st.composite
def north_american_phones(draw: st.DrawFn) -> Pii:
    """(415) 555-0134 and its kin, with or without the +1 or 1 in front."""
    area = draw(st.sampled_from("23456789")) + draw(_digits(2))
    exchange = draw(st.sampled_from("23456789")) + draw(_digits(2))
    line = draw(_digits(4))
    country = draw(st.sampled_from(["", "1", "+1"]))
    groups = [area, exchange, line]
    if country == "" and draw(st.booleans()):
        return Pii("PHONE", area + exchange + line, (f"({area})", exchange, line), (" ", "-"))
    if country:
        groups = ["1", *groups]
    return draw(_rendered("PHONE", "".join(groups), groups, plus=country == "+1"))


# Example numbers of their countries' plans: a real length, with the digits after the first
# two drawn. Twelve digits at most, so that none could pass the Luhn check as a card number.
_EXAMPLES = [
    (str(number.country_code), str(number.national_number))
    for region in ("GB", "FR", "DE", "AU", "JP", "IN", "ES", "IE", "US")
    for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)
    if (number := example_number_for_type(region, kind)) is not None
    and len(str(number.country_code)) + len(str(number.national_number)) <= 12
]


@st.composite
def international_phones(draw: st.DrawFn) -> Pii:
    """+44 20 7946 0958 and the like: a country code and a national number in two to four groups."""
    country, example = draw(st.sampled_from(_EXAMPLES))
    national = example[:2] + draw(_digits(len(example) - 2))
    cuts = sorted(draw(st.sets(st.integers(2, len(national) - 2), min_size=1, max_size=2)))
    bounds = [0, *cuts, len(national)]
    groups = [country] + [national[a:b] for a, b in itertools.pairwise(bounds)]
    return draw(_rendered("PHONE", country + national, groups, plus=True))


@st.composite
def japanese_phones(draw: st.DrawFn) -> Pii:
    """Mobile, Tokyo, regional and free-dial numbers: -, の, ハイフン, kanji or wide digits."""
    shape = draw(st.sampled_from([("090", 4, 4), ("080", 4, 4), ("03", 4, 4), ("06", 4, 4),
                                  ("011", 3, 4), ("0120", 3, 3)]))  # fmt: skip
    groups = [shape[0], draw(_digits(shape[1])), draw(_digits(shape[2]))]
    digits = "".join(groups)
    form = draw(st.sampled_from(["-", "の", "ハイフン", "kanji", "run-on", "wide", "spoken"]))
    if form == "run-on":
        return Pii("PHONE", digits, (digits,), (), japanese=True)
    if form == "kanji":
        kanji = [g.translate(str.maketrans("0123456789", KANJI)) for g in groups]
        return Pii("PHONE", digits, tuple(kanji), ("の", "の"), japanese=True)
    if form == "wide":
        wide = ["".join(chr(ord(c) + 0xFEE0) for c in g) for g in groups]  # full-width forms
        return Pii("PHONE", digits, tuple(wide), ("\uff0d", "\uff0d"), japanese=True)
    if form == "spoken":
        return draw(_rendered("PHONE", digits, groups, plus=False))
    return Pii("PHONE", digits, tuple(groups), (form, form), japanese=True)


_ATOMS = st.from_regex(r"[a-z][a-z0-9]{1,8}", fullmatch=True).filter(lambda a: a not in _RESERVED)


@st.composite
def emails(draw: st.DrawFn) -> Pii:
    """An address written, spoken ("jane dot doe at example dot com"), half-spoken, or Japanese."""
    local = draw(st.lists(_ATOMS, min_size=1, max_size=3))
    local_glue = draw(st.sampled_from([".", "_", "-"]))
    domain = draw(st.lists(_ATOMS, min_size=1, max_size=2))
    tld = draw(st.sampled_from(["com", "org", "net", "io", "co.jp", "co.uk", "jp", "de"]))
    labels = [*domain, *tld.split(".")]
    address = local_glue.join(local) + "@" + ".".join(labels)
    form = draw(st.sampled_from(["written", "spoken", "half", "japanese"]))
    if form == "written":
        said = address
    elif form == "half":  # "Jango.co at example.com"
        said = f"{local_glue.join(local)} at {'.'.join(labels)}"
    elif form == "spoken":
        word = {".": " dot ", "_": " underscore ", "-": " dash "}[local_glue]
        said = f"{word.join(local)} at {' dot '.join(labels)}"
    else:
        word = {".": "ドット", "_": "アンダーバー", "-": "ハイフン"}[local_glue]
        said = f"{word.join(local)}アットマーク{'ドット'.join(labels)}"
    if form != "japanese" and draw(st.booleans()):
        said = said[0].upper() + said[1:]  # the recogniser capitalises a name
    return Pii("EMAIL", address, (said,), (), japanese=form == "japanese")


def phones() -> st.SearchStrategy[Pii]:
    return st.one_of(north_american_phones(), international_phones(), japanese_phones())


def any_pii() -> st.SearchStrategy[Pii]:
    return st.one_of(emails(), phones(), cards())


BEFORE_EN = ("Sure, it's ", "You can reach me on ", "email me at ", "my details are ",
             "Okay so ", "The card number is ", "write this down: ", "")  # fmt: skip
AFTER_EN = (", thanks.", " if that helps.", ". Anything else?", " and that's all", "", ".")
BEFORE_JA = ("はい、", "番号は", "連絡先は", "")
AFTER_JA = ("です。", "までお願いします。", "", "、よろしく")


@dataclass(frozen=True)
class Said:
    """Utterances that carry one piece of personal data, and what redaction should leave."""

    pii: Pii
    utterances: list[str]
    expected: list[str]


@st.composite
def said_in_utterances(draw: st.DrawFn, pii: st.SearchStrategy[Pii]) -> Said:
    """``pii`` inside a sentence, split at token boundaries across up to four utterances."""
    found = draw(pii)
    before = draw(st.sampled_from(BEFORE_JA if found.japanese else BEFORE_EN))
    after = draw(st.sampled_from(AFTER_JA if found.japanese else AFTER_EN))
    cuts = st.sets(st.integers(1, len(found.tokens) - 1), max_size=3)
    splits = draw(cuts if len(found.tokens) > 1 else st.just(frozenset[int]()))
    bounds = [0, *sorted(splits), len(found.tokens)]
    pieces = [found.joined(a, b) for a, b in itertools.pairwise(bounds)]
    if len(pieces) > 1 and not found.japanese and draw(st.booleans()):
        pieces[0] += "."  # the recogniser ends an utterance where the speaker paused
    placeholder = f"[{found.label}]"
    utterances = [before + pieces[0], *pieces[1:]]
    utterances[-1] += after
    expected = [before + placeholder, *[placeholder] * (len(pieces) - 1)]
    expected[-1] += after
    return Said(found, utterances, expected)


@st.composite
def _english_fragment(draw: st.DrawFn) -> str:
    y, y2 = draw(st.integers(1990, 2035)), draw(st.integers(1990, 2035))
    m, d = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    h, mi = draw(st.integers(1, 23)), draw(st.integers(0, 59))
    n, c = draw(st.integers(1, 9_999_999)), draw(st.integers(0, 99))
    q, t = draw(st.integers(1, 500)), draw(st.integers(1, 999_999))
    return draw(st.sampled_from([
        f"on {y}-{m:02d}-{d:02d}", f"by {m}/{d}/{y}", f"on November {d}, {y}", f"the {d}th",
        f"at {h}:{mi:02d}", f"around {h} pm", "at five", "at half past two",
        f"${n:,}.{c:02d}", f"{n:,} dollars", f"£{n:,}", f"{n:,} yen", f"€{n}",
        f"{q} routers", f"{q} licences", "two routers", "one more thing", "three or four days",
        f"in {y}", f"since {y} and {y2}", f"back in {y}, {y2}",
        f"ticket {t}", f"version {q}.{m}.{d}", f"room {q}", f"{q}%",
        "Oh, I see", "look at it", "see you at noon. Then we talk", "meet at the office",
    ]))  # fmt: skip


@st.composite
def _japanese_fragment(draw: st.DrawFn) -> str:
    y, m, d = draw(st.integers(1990, 2035)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    h, mi, n = draw(st.integers(1, 23)), draw(st.integers(0, 59)), draw(st.integers(1, 9_999_999))
    q = draw(st.integers(1, 500))
    return draw(st.sampled_from([
        f"{y}年{m}月{d}日", f"{m}月{d}日まで", f"{h}時{mi}分", f"{n:,}円", f"¥{n:,}", f"{q}台",
        "一緒に確認します", "三日ほどかかります", "ありがとうございます",
    ]))  # fmt: skip


@st.composite
def ordinary_utterance(draw: st.DrawFn) -> str:
    """A sentence of dates, times, prices, quantities, years and ids: nothing personal."""
    if draw(st.booleans()):
        return "、".join(draw(st.lists(_japanese_fragment(), min_size=1, max_size=4))) + "。"
    glue = draw(st.sampled_from([", ", ". ", " and ", " "]))
    return glue.join(draw(st.lists(_english_fragment(), min_size=1, max_size=5))) + "."
