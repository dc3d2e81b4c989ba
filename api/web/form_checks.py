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


def blank_is_none(value: object) -> object:
    """None for a field sent empty (or only spaces), so it counts as not given."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(blank_is_none)
Text = Annotated[Annotated[str, Field(max_length=200)] | None, Blank]
Day = Annotated[IsoDate | None, Blank]
Id = Annotated[Annotated[int, Field(ge=1, le=MAX_DB_INT)] | None, Blank]

# How the forms label their fields; a name not here is shown as itself.
LABELS = {
    "q": "Search transcripts",
    "date_from": "From",
    "date_to": "To",
    "from": "From",
    "to": "To",
    "group_by": "Per",
    "due_date": "Due date",
    "url": "URL",
    "api_key": "API key",
    "sort": "Sort by",
}
SAYINGS = {
    "missing": "fill this in",
    "string_too_short": "fill this in",
    "too_short": "choose at least one",
}


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
    return LABELS.get(text, text.replace("_", " ").capitalize())


def readable(errors: Iterable[ErrorDetails | Mapping[str, Any]]) -> str:
    """One sentence per wrong field: ``"Status: input should be 'queued', ..."``."""
    sentences = []
    for error in errors:
        place = [part for part in error["loc"] if part not in ("body", "query", "path")]
        saying = SAYINGS.get(error["type"]) or _lower_first(str(error["msg"]))
        sentences.append(f"{label(place[0]) if place else 'Form'}: {saying}.")
    return " ".join(dict.fromkeys(sentences))


def _lower_first(message: str) -> str:
    message = message.removeprefix("Value error, ").rstrip(".")
    return message[:1].lower() + message[1:]
