"""A clock a test moves by hand: wall time for the outbox, seconds for the adapter's caches."""

from __future__ import annotations

import datetime as dt


class FakeClock:
    """Starts at the real time now and moves only when told."""

    def __init__(self) -> None:
        self.start = dt.datetime.now(dt.UTC)
        self.elapsed_s = 0.0

    def now(self) -> dt.datetime:
        """For ``CrmSync(clock=...)``."""
        return self.start + dt.timedelta(seconds=self.elapsed_s)

    def seconds(self) -> float:
        """For the monotonic clocks of caches and limits."""
        return self.elapsed_s

    def advance(self, seconds: float) -> None:
        self.elapsed_s += seconds
