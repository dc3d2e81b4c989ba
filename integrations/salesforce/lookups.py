"""Lookup answers kept a while in the process, so a customer or agent seen again costs nothing.

Each answer is kept per value looked up (an email, a phone, a Contact id), with what Salesforce
had for it, nothing included: a customer who calls back within the expiry is matched without a
request. A record made or closed in Salesforce meanwhile is seen once its answer expires.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

DEFAULT_LOOKUP_TTL_S = 300.0
MAX_KEPT = 100_000

Fetch = Callable[[list[str]], dict[str, Any]]
"""Asks Salesforce about the values; answers by value, a value with no answer found nothing."""


class LookupCache:
    """Answers by (kind of lookup, value), each kept ``ttl_s`` seconds; 0 keeps none."""

    def __init__(
        self, ttl_s: float = DEFAULT_LOOKUP_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s, self._clock = ttl_s, clock
        self._kept: dict[tuple[str, str], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, values: Iterable[str], fetch: Fetch) -> dict[str, Any]:
        """The answer for each value: kept ones as they are, the others fetched in one go."""
        answers, missing = self.known(kind, values)
        if not missing:
            return answers
        fetched = fetch(missing)
        return answers | self.keep(kind, missing, fetched)

    def known(self, kind: str, values: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
        """The answers kept for the values, and the values with none kept."""
        now = self._clock()
        answers: dict[str, Any] = {}
        missing: list[str] = []
        with self._lock:
            for value in dict.fromkeys(values):
                kept = self._kept.get((kind, value))
                if kept is not None and now < kept[0]:
                    answers[value] = kept[1]
                else:
                    missing.append(value)
        return answers, missing

    def keep(self, kind: str, asked: list[str], fetched: dict[str, Any]) -> dict[str, Any]:
        """Keeps what Salesforce answered for each value asked (None: nothing found)."""
        fresh = {value: fetched.get(value) for value in asked}
        self._keep(kind, fresh, self._clock() + self.ttl_s)
        return fresh

    def forget(self, kind: str, answers: set[Any]) -> None:
        """Drops the kept answers of ``kind`` that are among ``answers``."""
        if not answers:
            return
        with self._lock:
            stale = [
                key
                for key, (_, answer) in self._kept.items()
                if key[0] == kind and answer in answers
            ]
            for key in stale:
                del self._kept[key]

    def _keep(self, kind: str, answers: dict[str, Any], until: float) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            for value, answer in answers.items():
                self._kept.pop((kind, value), None)  # re-inserted last: oldest stay first
                self._kept[(kind, value)] = (until, answer)
            if len(self._kept) > MAX_KEPT:
                self._forget_oldest()

    def _forget_oldest(self) -> None:
        now = self._clock()
        for key in [key for key, (until, _) in self._kept.items() if until <= now]:
            del self._kept[key]
        while len(self._kept) > MAX_KEPT:
            del self._kept[next(iter(self._kept))]
