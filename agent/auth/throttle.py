"""Throttling: failed key checks per client address and per key prefix, uploads per key per hour.

The counting is the ``limits`` library's (a moving window), kept in this process's memory for the
embedded server or in Redis, so that several API processes share the counts. A storage that does
not answer lets requests through: throttling must not take the service down with it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerHour, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from agent.auth.keys import Refusal, key_prefix
from agent.core.errors import TooManyRequests

log = logging.getLogger(__name__)

TOO_MANY_FAILURES = "too many failed sign-in attempts; try again in {0} s"
TOO_MANY_UPLOADS = (
    "this key made {0} uploads in the last hour (CALLSIGHT_UPLOADS_PER_KEY_PER_HOUR); "
    "try again in {1} s"
)


@dataclass(frozen=True)
class ThrottlePolicy:
    """The limits, as ``limits`` rate strings ("30 per 15 minutes") and a count per hour."""

    failures_per_address: str
    failures_per_key: str
    uploads_per_hour: int


@dataclass(frozen=True)
class SignInAttempt:
    """Who is trying a key: the client address and the prefix the token names (if any)."""

    address: str
    prefix: str | None

    @classmethod
    def of(cls, address: str, token: str) -> SignInAttempt:
        return cls(address, key_prefix(token))


Counter = tuple[RateLimitItem, tuple[str, ...]]


class Throttle:
    """The counts behind the 429 answers."""

    def __init__(self, storage_url: str, policy: ThrottlePolicy) -> None:
        storage = storage_from_string(storage_url, wrap_exceptions=True)
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_address = parse(policy.failures_per_address)
        self._per_key = parse(policy.failures_per_key)
        self._uploads = RateLimitItemPerHour(policy.uploads_per_hour)

    def check(self, attempt: SignInAttempt) -> None:
        """Raise ``TooManyRequests`` while the address or the key prefix is over its limit of
        failures, whether or not this attempt's key is right."""
        for item, identifiers in self._failure_counters(attempt):
            if not self._test(item, identifiers):
                wait = self._retry_after(item, identifiers)
                raise TooManyRequests(TOO_MANY_FAILURES.format(wait), wait)

    def failed(self, attempt: SignInAttempt, refusal: Refusal) -> None:
        """Log a refused key (never its secret) and count it if it may have been a guess."""
        log.warning(
            "refused API key from %s: %s (key prefix %s)",
            attempt.address,
            refusal.value,
            attempt.prefix or "none",
        )
        if refusal.is_guess:
            for item, identifiers in self._failure_counters(attempt):
                self._hit(item, identifiers)

    def count_upload(self, key_id: int) -> None:
        """Count an upload by this key, or raise ``TooManyRequests`` when it is one too many."""
        identifiers = ("uploads", str(key_id))
        if not self._hit(self._uploads, identifiers):
            wait = self._retry_after(self._uploads, identifiers)
            raise TooManyRequests(TOO_MANY_UPLOADS.format(self._uploads.amount, wait), wait)

    def _failure_counters(self, attempt: SignInAttempt) -> list[Counter]:
        counters: list[Counter] = [
            (self._per_address, ("auth-failures", "address", attempt.address))
        ]
        if attempt.prefix:
            counters.append((self._per_key, ("auth-failures", "key", attempt.prefix)))
        return counters

    def _test(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> bool:
        try:
            return self._limiter.test(item, *identifiers)
        except StorageError as error:
            log.error("throttling storage does not answer; letting the request through: %s", error)
            return True

    def _hit(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> bool:
        try:
            return self._limiter.hit(item, *identifiers)
        except StorageError as error:
            log.error("throttling storage does not answer; not counting: %s", error)
            return True

    def _retry_after(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> int:
        try:
            reset_at = self._limiter.get_window_stats(item, *identifiers).reset_time
        except StorageError:
            return item.get_expiry()
        return max(1, math.ceil(reset_at - time.time()))
