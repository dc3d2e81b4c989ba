"""A small SOQL reader for the Salesforce emulator: SELECT, FROM, WHERE, ORDER BY, LIMIT,
semi-joins (``field IN (SELECT Id FROM Other WHERE ...)``), and date/time literals compared with
``<``, ``<=``, ``>``, ``>=`` (``SystemModstamp >= 2026-01-01T00:00:00Z``).

Strict on purpose: anything it does not understand is a MALFORMED_QUERY, so a value that escaped
its quotes shows up as a broken query instead of quietly matching more records.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<op>!=|<=|>=|=|<|>|\(|\)|,)|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "order",
    "by",
    "limit",
    "asc",
    "desc",
}

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class MalformedQuery(ValueError):
    pass


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Predicate
    order_by: str | None
    descending: bool
    limit: int | None
    semi_joins: list[tuple[Query, set[Any]]] = field(default_factory=list)
    """Each ``IN (SELECT ...)``: the inner query and the set its values are put in at run."""


def tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise MalformedQuery(
                f"unexpected text at {position}: {text[position : position + 20]!r}"
            )
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            tokens.append(("str", _unescape(value[1:-1])))
        elif kind == "num":
            tokens.append(("num", float(value)))
        elif kind == "datetime":
            tokens.append(("datetime", _datetime(value)))
        elif kind == "word" and value.lower() in KEYWORDS | {"true", "false", "null"}:
            tokens.append(("kw", value.lower()))
        else:
            tokens.append((kind, value))
    return tokens


def _unescape(body: str) -> str:
    out, index = [], 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            following = body[index + 1 : index + 2]
            if following not in ESCAPES:
                raise MalformedQuery(f"invalid escape sequence \\{following}")
            out.append(ESCAPES[following])
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens, self.index = tokens, 0
        self.semi_joins: list[tuple[Query, set[Any]]] = []

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", None)

    def take(self, kind: str, value: Any = None) -> Any:
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            raise MalformedQuery(f"expected {value or kind}, found {token[1]!r}")
        self.index += 1
        return token[1]

    def accept(self, kind: str, value: Any) -> bool:
        if self.peek() == (kind, value):
            self.index += 1
            return True
        return False

    def query(self) -> Query:
        self.take("kw", "select")
        fields = [self.take("word")]
        while self.accept("op", ","):
            fields.append(self.take("word"))
        self.take("kw", "from")
        sobject = self.take("word")
        where: Predicate = lambda _record: True  # noqa: E731
        if self.accept("kw", "where"):
            where = self.disjunction()
        order_by, descending, limit = None, False, None
        if self.accept("kw", "order"):
            self.take("kw", "by")
            order_by = self.take("word")
            descending = self.accept("kw", "desc") or (self.accept("kw", "asc") and False)
        if self.accept("kw", "limit"):
            limit = int(self.take("num"))
        if self.peek()[0] != "end" and self.peek() != ("op", ")"):
            raise MalformedQuery(f"unexpected {self.peek()[1]!r} after the query")
        return Query(fields, sobject, where, order_by, descending, limit)

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.accept("kw", "or"):
            parts.append(self.conjunction())
        return lambda record: any(part(record) for part in parts)

    def conjunction(self) -> Predicate:
        parts = [self.term()]
        while self.accept("kw", "and"):
            parts.append(self.term())
        return lambda record: all(part(record) for part in parts)

    def term(self) -> Predicate:
        if self.accept("op", "("):
            inner = self.disjunction()
            self.take("op", ")")
            return inner
        field = self.take("word")
        if self.accept("kw", "in"):
            self.take("op", "(")
            if self.peek() == ("kw", "select"):
                return self.semi_join(field)
            values = [self.literal()]
            while self.accept("op", ","):
                values.append(self.literal())
            self.take("op", ")")
            wanted = {_fold(v) for v in values}
            return lambda record: _fold(record.get(field)) in wanted
        operator = self.take("op")
        value = _fold(self.literal())
        if operator == "=":
            return lambda record: _fold(record.get(field)) == value
        if operator == "!=":
            return lambda record: _fold(record.get(field)) != value
        if operator in ORDERINGS and isinstance(value, dt.datetime):
            compare = ORDERINGS[operator]
            return lambda record: (
                _at(record.get(field)) is not None and compare(_at(record.get(field)), value)
            )
        raise MalformedQuery(f"operator {operator} is not supported here")

    def semi_join(self, field: str) -> Predicate:
        inner = _Parser(self.tokens[self.index :])
        query = inner.query()
        if len(query.fields) != 1:
            raise MalformedQuery("a semi-join selects exactly one field")
        self.index += inner.index
        self.take("op", ")")
        wanted: set[Any] = set()
        self.semi_joins += [*inner.semi_joins, (query, wanted)]
        return lambda record: _fold(record.get(field)) in wanted

    def literal(self) -> Any:
        kind, value = self.peek()
        self.index += 1
        if kind in ("str", "num", "datetime"):
            return value
        if kind == "kw" and value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        raise MalformedQuery(f"expected a value, found {value!r}")


ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _at(value: Any) -> dt.datetime | None:
    """A record's date/time value as stored (``2026-01-01T00:00:05.000+0000``)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    if value[-5] in "+-" and value[-3] != ":":
        value = f"{value[:-2]}:{value[-2:]}"
    return _datetime(value)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def parse(text: str) -> Query:
    parser = _Parser(tokenize(text))
    query = parser.query()
    if parser.index != len(parser.tokens):
        raise MalformedQuery(f"unexpected {parser.peek()[1]!r} after the query")
    query.semi_joins = parser.semi_joins
    return query


def run(
    query: Query,
    records: list[Record],
    records_of: Callable[[str], list[Record]] = lambda _sobject: [],
) -> list[Record]:
    for inner, wanted in query.semi_joins:
        wanted.clear()
        wanted.update(_fold(row[inner.fields[0]]) for row in run(inner, records_of(inner.sobject)))
    rows = [record for record in records if query.where(record)]
    if query.order_by:
        key = query.order_by
        rows.sort(key=lambda r: (r.get(key) is None, r.get(key)), reverse=query.descending)
    if query.limit is not None:
        rows = rows[: query.limit]
    return [{name: record.get(name) for name in query.fields} for record in rows]
