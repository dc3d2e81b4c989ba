"""How many jobs wait in each Celery queue on a Redis broker, read straight from Redis.

kombu's Redis transport keeps a queue as a list under the queue's name; a message sent with a
priority goes to a list named ``<queue>\\x06\\x16<priority>`` instead (``Channel.sep`` and
``Channel._q_for_pri`` in ``kombu/transport/redis.py``). A queue's depth is the sum of those lists.
Messages a worker has taken but not yet acknowledged are not waiting, so they are not counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

PRIORITY_SEPARATOR = "\x06\x16"
# Priority 0 is the bare list; kombu rounds every other priority to one of its steps, which
# lie in 1-9 whatever steps the transport was given, so every such list is read.
PRIORITIES = range(1, 10)


def queue_keys(queue: str) -> list[str]:
    """The Redis lists that hold ``queue``'s waiting messages."""
    return [queue, *(f"{queue}{PRIORITY_SEPARATOR}{priority}" for priority in PRIORITIES)]


class RedisQueueDepths:
    """Reads the waiting messages of a few queues with one round trip per scrape."""

    def __init__(self, url: str, queues: Sequence[str], timeout_s: float = 2.0) -> None:
        self.url, self.queues, self.timeout_s = url, tuple(queues), timeout_s

    def read(self) -> dict[str, int] | None:
        """Waiting messages per queue; None when the broker does not answer."""
        import redis

        try:
            with redis.Redis.from_url(
                self.url, socket_timeout=self.timeout_s, socket_connect_timeout=self.timeout_s
            ) as client:
                return self._lengths(client)
        except (redis.RedisError, OSError) as error:
            log.warning("the broker's queue lengths could not be read: %s", error)
            return None

    def _lengths(self, client: redis.Redis) -> dict[str, int]:
        keys = {queue: queue_keys(queue) for queue in self.queues}
        with client.pipeline(transaction=False) as pipe:
            for queue_list in keys.values():
                for key in queue_list:
                    pipe.llen(key)
            lengths = iter(pipe.execute())
        return {queue: sum(next(lengths) for _ in queue_list) for queue, queue_list in keys.items()}
