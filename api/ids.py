"""Ids, offsets and page numbers from requests, bounded to what a database integer holds.

Python's int has no limit, but SQLite's and PostgreSQL's stop at 2**63 - 1: a larger value
reaching a query fails inside the driver. The API refuses it as invalid (422); a page, for
which such an id names nothing that can exist, answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from agent.core.domain import MAX_DB_INT
from agent.core.errors import NotFound

DbId = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="A positive 64-bit id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_DB_INT, description="Rows to skip.")]


def id_query(description: str) -> object:
    """A query parameter holding an optional id, e.g. ``?customer=12``."""
    return Query(ge=1, le=MAX_DB_INT, description=description)


def existing_id(value: int, message: str) -> int:
    """``value`` when a row could have it; otherwise the page's 404 with ``message``."""
    if not 1 <= value <= MAX_DB_INT:
        raise NotFound(message)
    return value
