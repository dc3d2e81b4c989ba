"""The rows of a history import, read from CSV, and the problems found in them, in file order."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
)

from agent.core.moments import EARLIEST, iso_datetime, with_offset

# History is not held to "one day from now" like live calls (the shipped example runs ahead of
# the clock), only to years every KPI computation can hold; 9999 overflowed in the timezone.
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _history_time(value: object, info: ValidationInfo) -> object:
    """ISO 8601 text, or text in the import's ``date_format`` (strptime's codes) when given."""
    date_format = (info.context or {}).get("date_format")
    if date_format is None or isinstance(value, dt.datetime):
        return iso_datetime(value)
    try:
        return dt.datetime.strptime(str(value), date_format)
    except ValueError:
        raise ValueError(f"{value!r} does not match the date format {date_format!r}") from None


def _in_history_window(moment: dt.datetime) -> dt.datetime:
    if not EARLIEST <= moment < LATEST:
        raise ValueError(
            f"{moment.isoformat()} is not a time the import takes: give one between"
            " 2000-01-01 and 2099-12-31"
        )
    return moment


HistoryTime = Annotated[
    dt.datetime,
    BeforeValidator(_history_time),
    AfterValidator(with_offset),
    AfterValidator(_in_history_window),
]


class Who(BaseModel):
    customer_name: str | None = Field(None, max_length=200)
    customer_crm_id: str | None = Field(None, max_length=64)


class CaseRow(Who):
    case_id: str = Field(max_length=100)
    category: str = Field("general", max_length=100)
    crm_case_id: str | None = Field(None, max_length=64)
    closed_at: HistoryTime | None = None
    escalated: bool = False


class ContactRow(Who):
    contact_id: str = Field(max_length=100)
    case_id: str | None = Field(None, max_length=100)
    crm_case_id: str | None = Field(None, max_length=64)
    agent_name: str | None = Field(None, max_length=200)
    agent_email: str | None = Field(None, max_length=320)
    team: str | None = Field(None, max_length=100)
    category: str = Field("general", max_length=100)
    started_at: HistoryTime
    talk_s: float = Field(0.0, ge=0)
    hold_s: float = Field(0.0, ge=0)
    acw_s: float | None = Field(None, ge=0)
    resolved: bool = False
    escalated: bool = False


class SurveyRow(Who):
    survey_id: str = Field(max_length=100)
    contact_id: str | None = Field(None, max_length=100)
    responded_at: HistoryTime
    csat: int | None = Field(None, ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    ces: int | None = Field(None, ge=1, le=7)


Row = TypeVar("Row", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Where:
    """A row of an imported file; sorts by the file's place in the import, then by line."""

    file_order: int
    line: int
    name: str = field(compare=False)

    def __str__(self) -> str:
        return f"{self.name} line {self.line}" if self.line else self.name


@dataclass
class Problems:
    """What is wrong with an import, gathered from every check before any is reported."""

    found: list[tuple[Where, str]] = field(default_factory=list)

    def add(self, where: Where, message: str) -> None:
        self.found.append((where, message))

    def __bool__(self) -> bool:
        return bool(self.found)

    def lines(self) -> list[str]:
        """One line per problem, by file and line; a row's own problems in the order found."""
        return [f"{where}: {message}" for where, message in sorted(self.found, key=_by_place)]


def _by_place(item: tuple[Where, str]) -> Where:
    return item[0]


@dataclass
class ParsedFile(Generic[Row]):
    rows: list[tuple[Where, Row]] = field(default_factory=list)
    # The ids of rows that did not parse: references to them are not reported again.
    failed_ids: set[str] = field(default_factory=set)


def parse(
    source: IO[str] | None,
    model: type[Row],
    id_column: str,
    file_order: int,
    problems: Problems,
    date_format: str | None,
) -> ParsedFile[Row]:
    """The file's rows that validate; the others' problems go to ``problems``."""
    parsed: ParsedFile[Row] = ParsedFile()
    if source is None:
        return parsed
    name = getattr(source, "name", model.__name__)
    reader = csv.DictReader(source)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    missing = required - set(reader.fieldnames or [])
    if missing:
        problems.add(Where(file_order, 0, name), f"missing column(s) {', '.join(sorted(missing))}")
        return parsed
    context = {"date_format": date_format}
    for line, record in enumerate(reader, start=2):
        where, given = Where(file_order, line, name), _given(record)
        try:
            parsed.rows.append((where, model.model_validate(given, context=context)))
        except ValidationError as error:
            parsed.failed_ids.add(given.get(id_column, ""))
            for e in error.errors():
                column = ".".join(str(p) for p in e["loc"]) or "row"
                problems.add(where, f"{column}: {e['msg'].removeprefix('Value error, ')}")
    return parsed


def _given(record: dict[str | None, Any]) -> dict[str, str]:
    """The row's non-blank cells; a blank cell means the column's default."""
    return {
        name: value.strip()
        for name, value in record.items()
        if name is not None and isinstance(value, str) and value.strip()
    }
