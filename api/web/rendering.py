"""Templates and the small view helpers the pages share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, col, select

from agent.auth.web_sessions import SignedIn
from agent.calls.views import CallDetail, CallSummaryRow, call_row
from agent.core.call_states import RESTING_STATUSES
from agent.core.tables import Call, Summary
from api.web import i18n
from api.web.script_text import script_text
from api.web.wording import explain, term

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
)
TEMPLATES.env.filters["when"] = i18n.local_datetime
TEMPLATES.env.filters["day"] = i18n.local_date
TEMPLATES.env.filters["number"] = i18n.number
TEMPLATES.env.filters["money"] = i18n.money
TEMPLATES.env.filters["minute"] = i18n.local_minute
TEMPLATES.env.filters["term"] = term
TEMPLATES.env.filters["explain"] = explain
TEMPLATES.env.filters["language_name"] = i18n.language_name
TEMPLATES.env.globals["script_text"] = script_text
TEMPLATES.env.globals["languages"] = i18n.LANGUAGES
# The pages' script stops watching a call once it rests; the state machine says when that is.
TEMPLATES.env.globals["resting_statuses"] = " ".join(sorted(RESTING_STATUSES))


def render(
    request: Request,
    template: str,
    visitor: SignedIn | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the visitor's language, with who is signed in and the CSRF token forms need."""
    language = i18n.request_language(request)
    context |= {
        "visitor": visitor,
        "csrf_token": visitor.csrf_token if visitor else "",
        "language": language,
    }
    with i18n.speaking(language, i18n.business_timezone(request)):
        return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def clock(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration, a dash when unknown."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def call_page_title(call: CallDetail) -> str:
    """Who the call was with and when, so a browser tab or bookmark tells calls apart."""
    when = i18n.local_minute(call.started_at or call.created_at)
    if call.customer:
        return i18n.gettext("Call with %(customer)s, %(when)s") % {
            "customer": call.customer,
            "when": when,
        }
    return f"{call.filename}, {when}"


TEMPLATES.env.globals["call_page_title"] = call_page_title


def sent_times(call: CallDetail) -> list[dt.datetime] | None:
    """When each turn of a text conversation was sent; None for a recording, whose lines show
    their offset into the audio instead."""
    if call.audio is not None or call.started_at is None:
        return None
    return [call.started_at + dt.timedelta(seconds=s.start) for s in call.transcript.segments]


SUMMARY_LINE_CHARS = 160


@dataclass(frozen=True)
class CallListRow:
    call: CallSummaryRow
    customer_id: int | None
    resolution: str | None = None
    sentiment: str | None = None
    summary: str | None = None

    @property
    def length(self) -> str:
        return clock(self.call.duration_s)

    @property
    def when(self) -> str:
        return i18n.local_minute(self.call.started_at or self.call.created_at)

    @property
    def title(self) -> str:
        """Who the call was with and when; the file name is only its secondary line."""
        customer = self.call.customer or i18n.gettext("Unknown customer")
        return f"{customer} · {self.when}"

    @property
    def summary_line(self) -> str | None:
        return summary_line(self.summary)


def summary_line(summary: str | None) -> str | None:
    """A summary on one line, cut at a word before ``SUMMARY_LINE_CHARS`` when longer."""
    if not summary:
        return None
    line = " ".join(summary.split())
    if len(line) <= SUMMARY_LINE_CHARS:
        return line
    return line[: SUMMARY_LINE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def list_rows(session: Session, calls: list[Call]) -> list[CallListRow]:
    """Rows for a call table, with each call's summary fetched in one query."""
    ids = [call.id for call in calls]
    query = select(Summary.call_id, Summary.resolution, Summary.sentiment, Summary.text).where(
        col(Summary.call_id).in_(ids)
    )
    summaries = {call_id: rest for call_id, *rest in session.exec(query).all()}
    return [
        CallListRow(call_row(session, call), call.customer_id, *summaries.get(call.id, ()))
        for call in calls
    ]


def day_bounds(day: dt.date | None, end: bool = False) -> dt.datetime | None:
    """Midnight UTC at the start of ``day`` (or of the next day, for an inclusive end)."""
    if day is None or (end and day == dt.date.max):
        return None  # the end of the last day a date can name bounds nothing
    if end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
