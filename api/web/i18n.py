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

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

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


def business_timezone(request: Request) -> str:
    container = getattr(request.app.state, "container", None)
    return container.settings.business_timezone if container else "UTC"


class PageLanguage:
    """ASGI middleware: each request is handled speaking its visitor's language, so the text a
    handler or an error handler words (a form's problem, a flash) is translated as it is made."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        with speaking(request_language(request), business_timezone(request)):
            await self.app(scope, receive, send)


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


def N_(message: str) -> str:
    """Marks text kept in a module-level table for the catalog (Babel extracts ``N_`` by
    default); ``gettext`` it when shown."""
    return message


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


def local_minute(moment: dt.datetime | None) -> str:
    """A moment to the minute (a call's time, not a log line's): the language's medium date and
    short time, joined the way it joins them."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    locale, zone = _locale(), ZoneInfo(_zone.get())
    joined = str(locale.datetime_formats["medium"]).replace("'", "")
    time = format_time(moment, "short", tzinfo=zone, locale=locale)
    day = format_date(moment.astimezone(zone).date(), "medium", locale=locale)
    return joined.replace("{0}", time).replace("{1}", day)


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


def language_name(code: str) -> str:
    """A language's name in the page's language (``ja`` → "Japanese" or "日本語")."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(_locale()) or code
    except (ValueError, TypeError, UnknownLocaleError):
        return code


def _locale() -> Locale:
    return Locale.parse(_current.get())
