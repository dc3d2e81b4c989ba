"""The org's daily API limit: Callsight stops short of it, leaving a reserve to the org's others.

Salesforce reports the org's usage over the last 24 hours with every answer
(``Sforce-Limit-Info: api-usage=used/limit``). Once what remains is no more than the reserve,
no request is sent; one goes through every ``recheck_s`` to read the usage again, and sending
resumes as soon as an answer shows room (the 24-hour window moved on, or the limit was raised).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RECHECK_S = 300.0
_RESERVE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<percent>%?)\s*$")

UsageObserver = Callable[[int, int], None]
"""Told (used, limit) each time Salesforce reports the org's usage."""


class ApiReserveReached(Exception):
    """Sending now would eat into the reserve of the org's daily API limit; try again later."""


@dataclass(frozen=True)
class ApiReserve:
    """What Callsight leaves unused of the org's daily limit: a share of it, or a count."""

    share: float = 0.0
    requests: int = 0

    @classmethod
    def parse(cls, text: str) -> ApiReserve:
        """``"5%"`` keeps 5 % of the limit, ``"2000"`` keeps 2,000 requests."""
        found = _RESERVE.match(text)
        if found is None:
            raise ValueError(
                f"an API reserve is a percentage (5%) or a number (2000), not {text!r}"
            )
        number = float(found["number"])
        if not found["percent"] and not number.is_integer():
            raise ValueError(f"a number of requests is whole, not {text!r}")
        if found["percent"]:
            if number >= 100:
                raise ValueError(f"an API reserve below 100% is needed, not {text!r}")
            return cls(share=number / 100)
        return cls(requests=int(number))

    def of(self, limit: int) -> int:
        """The requests kept back out of ``limit``."""
        return max(self.requests, math.ceil(self.share * limit))

    def __str__(self) -> str:
        return f"{self.share * 100:g}%" if self.share else str(self.requests)


class ApiLimits:
    """The usage Salesforce last reported, and whether another request may go out."""

    def __init__(
        self,
        reserve: ApiReserve | None = None,
        recheck_s: float = DEFAULT_RECHECK_S,
        clock: Callable[[], float] = time.monotonic,
        on_usage: UsageObserver | None = None,
    ) -> None:
        self.reserve = reserve or ApiReserve()
        self.recheck_s, self._clock, self._on_usage = recheck_s, clock, on_usage
        self.used: int | None = None
        self.limit: int | None = None
        self._recheck_at: float | None = None
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int | None:
        """Requests left in the org's window, as last reported; None before any answer."""
        if self.used is None or self.limit is None:
            return None
        return self.limit - self.used

    def observe(self, used: int, limit: int) -> None:
        with self._lock:
            self.used, self.limit = used, limit
        if self._on_usage is not None:
            self._on_usage(used, limit)

    def check(self) -> None:
        """Before each request: returns when it may go out; raises ApiReserveReached when not."""
        with self._lock:
            now = self._clock()
            if self._held(now):
                raise ApiReserveReached(self._explain())
            if self._in_reserve():
                self._recheck_at = now + self.recheck_s  # this request reads the usage again

    def ensure_room(self) -> None:
        """Raises ApiReserveReached while requests are held back; lets no request through."""
        with self._lock:
            if self._held(self._clock()):
                raise ApiReserveReached(self._explain())

    def _held(self, now: float) -> bool:
        if not self._in_reserve():
            self._recheck_at = None
            return False
        if self._recheck_at is None:
            self._recheck_at = now + self.recheck_s
            return True
        return now < self._recheck_at

    def _in_reserve(self) -> bool:
        remaining = self.remaining
        return (
            remaining is not None
            and self.limit is not None
            and (remaining <= self.reserve.of(self.limit))
        )

    def _explain(self) -> str:
        return (
            f"the org's daily API limit is nearly spent ({self.used:,} of {self.limit:,} requests "
            f"used in the last 24 hours); Callsight leaves the last "
            f"{self.reserve.of(self.limit or 0):,} ({self.reserve}) to the org's other "
            f"integrations and waits, reading the usage again every {self.recheck_s:g} s"
        )
