"""Waiting on something that happens in another thread or process."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(predicate: Callable[[], Any], timeout: float = 120.0, interval: float = 0.2) -> Any:
    """Poll until ``predicate`` returns something truthy; fail with the last value on timeout."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s; last value: {value!r}")
        time.sleep(interval)
        value = predicate()
    return value
