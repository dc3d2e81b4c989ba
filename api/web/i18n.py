"""Which language a page speaks, and its translations from the gettext catalogs in ``locale/``.

The catalogs are plain ``.po`` files kept with the code (Babel extracts and updates them, see
docs/i18n.md); they are compiled in memory when first used, so no build step or ``.mo`` file is
needed. A page's language is the visitor's remembered choice (a cookie set by the switch in the
header), else the best match in the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "ja": "日本語"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "callsight_lang"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog for ``language``; English is the source text itself."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def _accepted(header: str) -> Iterator[tuple[float, str]]:
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag:
            yield quality, tag.strip().lower()


def negotiate(accept_language: str | None) -> str:
    """The supported language the browser prefers most (``ja-JP`` counts as ``ja``)."""
    ranked = sorted(_accepted(accept_language or ""), key=lambda pair: -pair[0])
    for quality, tag in ranked:
        language = tag.split("-")[0]
        if quality > 0 and language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def request_language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return negotiate(request.headers.get("accept-language"))


_current: ContextVar[str] = ContextVar("callsight_language", default=DEFAULT_LANGUAGE)
_zone: ContextVar[str] = ContextVar("callsight_business_timezone", default="UTC")


@contextmanager
def speaking(language: str, zone: str = "UTC") -> Iterator[None]:
    """Render in ``language``, with moments shown in the business timezone ``zone``."""
    language_token, zone_token = _current.set(language), _zone.set(zone)
    try:
        yield
    finally:
        _current.reset(language_token)
        _zone.reset(zone_token)


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(_current.get()).ungettext(singular, plural, count)


def local_datetime(moment: dt.datetime | None, style: str = "medium") -> str:
    """A moment in the business timezone, written the way the page's language writes it
    (stored moments without a zone are UTC)."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return format_datetime(moment, style, tzinfo=ZoneInfo(_zone.get()), locale=_locale())


def local_date(day: dt.date | dt.datetime | None, style: str = "medium") -> str:
    """A day (or the business-timezone day of a moment) in the page's language."""
    if day is None:
        return "—"
    if isinstance(day, dt.datetime):
        if day.tzinfo is None:
            day = day.replace(tzinfo=dt.UTC)
        day = day.astimezone(ZoneInfo(_zone.get())).date()
    return format_date(day, style, locale=_locale())


def number(value: float | Decimal | None, digits: int = 0, signed: bool = False) -> str:
    """A number with ``digits`` decimals as the page's language writes it (``+`` shown on a
    positive change when ``signed``); a dash when unknown."""
    if value is None:
        return "—"
    places = "." + "0" * digits if digits else ""
    pattern = f"#,##0{places}"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, pattern, locale=_locale())


def money(amount: Decimal, currency: str) -> str:
    """An amount in its ISO 4217 currency, as the page's language writes it."""
    return format_currency(amount, currency, locale=_locale())


def _locale() -> Locale:
    return Locale.parse(_current.get())
