"""The unit of work: services flush, the boundary commits, and work that must see the commit
(queueing a call, publishing an event) runs only after it.

Services register that work with ``after_commit``; the boundary (the request's session, or a
``unit_of_work`` block) commits, then runs it in the order it was registered. A rollback drops it
and runs the ``after_rollback`` clean-ups instead (e.g. deleting audio stored for a call that
was never committed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

AFTER_COMMIT = "callsight.after_commit"
AFTER_ROLLBACK = "callsight.after_rollback"

Callback = Callable[[], None]


def after_commit(session: Session, callback: Callback) -> None:
    """Run ``callback`` once the session's transaction commits; never if it rolls back."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def after_rollback(session: Session, callback: Callback) -> None:
    """Run ``callback`` if the session's transaction is rolled back instead of committed."""
    session.info.setdefault(AFTER_ROLLBACK, []).append(callback)


def commit(session: Session) -> None:
    """Commit, then run the after-commit work; a failed commit rolls back and re-raises."""
    try:
        session.commit()
    except BaseException:
        rollback(session)
        raise
    session.info.pop(AFTER_ROLLBACK, None)
    _run(session.info.pop(AFTER_COMMIT, []))


def rollback(session: Session) -> None:
    """Roll back, drop the after-commit work and run the clean-ups."""
    session.rollback()
    session.info.pop(AFTER_COMMIT, None)
    _run(session.info.pop(AFTER_ROLLBACK, []))


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit ``session`` when the block ends normally; roll it back when it raises."""
    try:
        yield session
    except BaseException:
        rollback(session)
        raise
    commit(session)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A new session whose one transaction commits when the block ends normally."""
    with Session(engine) as session, transaction(session):
        yield session


def _run(callbacks: list[Callback]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            # The transaction is already decided; one failing hook must not hide the others.
            log.exception("after-transaction work failed")
