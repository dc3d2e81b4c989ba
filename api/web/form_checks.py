"""Reading the pages' forms and query strings.

A browser sends every field of a form, filled or not (``status=&date_from=``): a blank field
means "any" (a filter) or "unset" (an optional field). A wrong value becomes one sentence per
field, named as the form labels it, so the page can say what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from agent.calls.service import CallSort
from agent.core.call_states import CallStatus
from agent.core.domain import MAX_DB_INT
from agent.core.errors import InvalidInput
from agent.core.moments import IsoDate
from agent.kpis.periods import GroupBy
from api.web.i18n import DEFAULT_LANGUAGE, N_, current_language, gettext


def blank_is_none(value: object) -> object:
    """None for a field sent empty (or only spaces), so it counts as not given."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(blank_is_none)
Text = Annotated[Annotated[str, Field(max_length=200)] | None, Blank]
Day = Annotated[IsoDate | None, Blank]
Id = Annotated[Annotated[int, Field(ge=1, le=MAX_DB_INT)] | None, Blank]

# How the forms label their fields; a name not here is shown as itself.
LABELS = {
    "q": N_("Search transcripts"),
    "date_from": N_("From"),
    "date_to": N_("To"),
    "from": N_("From"),
    "to": N_("To"),
    "group_by": N_("Per"),
    "due_date": N_("Due date"),
    "url": N_("URL"),
    "api_key": N_("API key"),
    "sort": N_("Sort by"),
    "status": N_("Status"),
    "customer": N_("Customer"),
    "agent": N_("Agent"),
    "page": N_("Page"),
    "team": N_("Team"),
    "name": N_("Name"),
    "email": N_("Email"),
    "role": N_("Role"),
    "secret": N_("Secret"),
    "events": N_("Events"),
    "description": N_("Description"),
    "owner": N_("Owner"),
    "priority": N_("Priority"),
    "resolution": N_("Resolution"),
}
SAYINGS = {
    "missing": N_("fill this in"),
    "string_too_short": N_("fill this in"),
    "too_short": N_("choose at least one"),
}
# What a wrong value of each kind says where the page is not in English; pydantic's own
# sentences (which name the allowed values, in English) are kept for English pages.
PLAIN_SAYINGS = {
    "enum": N_("choose one of the listed values"),
    "literal_error": N_("choose one of the listed values"),
    "string_too_long": N_("this is too long"),
    "int_parsing": N_("enter a whole number"),
    "greater_than_equal": N_("this number is too small"),
    "less_than_equal": N_("this number is too large"),
    "date_from_datetime_parsing": N_("enter a date"),
    "date_parsing": N_("enter a date"),
    "date_type": N_("enter a date"),
    "url_parsing": N_("enter a web address"),
    "url_scheme": N_("enter a web address"),
}
OTHER_SAYING = N_("check this value")


class QueryForm(BaseModel):
    """A GET form: unknown fields are ignored, as a bookmarked URL may carry old ones."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def read(cls, query: Mapping[str, str]) -> Self:
        """The form from a query string; ``InvalidInput`` with a readable message if wrong."""
        try:
            return cls.model_validate(dict(query))
        except ValidationError as error:
            raise InvalidInput(readable(error.errors())) from error


class KpiQuery(QueryForm):
    """The dashboard's filters (the same as ``GET /api/v1/kpis``'s), blanks meaning "all"."""

    group_by: Annotated[GroupBy | None, Blank] = None
    date_from: Day = Field(None, alias="from")
    date_to: Day = Field(None, alias="to")
    team: Text = None
    agent: Id = None

    @property
    def period(self) -> GroupBy:
        return self.group_by or GroupBy.WEEK


class CallListQuery(QueryForm):
    """The calls page's filter form, sort and page."""

    q: Text = None
    status: Annotated[CallStatus | None, Blank] = None
    customer: Text = None
    agent: Text = None
    date_from: Day = None
    date_to: Day = None
    sort: Annotated[CallSort | None, Blank] = None
    # Unbounded above: a page past any a database could hold is "not found" (see api.ids).
    page: Annotated[Annotated[int, Field(ge=1)] | None, Blank] = None

    @property
    def order(self) -> CallSort:
        return self.sort or CallSort.CALL_TIME_DESC


def label(name: object) -> str:
    text = str(name)
    return gettext(LABELS[text]) if text in LABELS else text.replace("_", " ").capitalize()


def readable(errors: Iterable[ErrorDetails | Mapping[str, Any]]) -> str:
    """One sentence per wrong field, in the page's language:
    ``"Status: input should be 'queued', ..."``."""
    sentences = []
    for error in errors:
        place = [part for part in error["loc"] if part not in ("body", "query", "path")]
        field = label(place[0]) if place else gettext("Form")
        sentence = gettext("%(field)s: %(saying)s.") % {"field": field, "saying": _saying(error)}
        sentences.append(sentence)
    return " ".join(dict.fromkeys(sentences))


def _saying(error: ErrorDetails | Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind in SAYINGS:
        return gettext(SAYINGS[kind])
    if current_language() == DEFAULT_LANGUAGE:
        return _lower_first(str(error["msg"]))
    return gettext(PLAIN_SAYINGS.get(kind, OTHER_SAYING))


def _lower_first(message: str) -> str:
    message = message.removeprefix("Value error, ").rstrip(".")
    return message[:1].lower() + message[1:]
