"""Per-key request limits shared by the channels: the web proxy, WeChat and the booking actions.

A fixed window (``limit`` calls per ``window_s`` seconds per key) is enough to stop a script from
flooding one conversation or exhausting slots, and it is cheap to share: with ``redis_url`` the
counters live in Redis (``INCR`` + ``EXPIRE`` in one transaction, so every worker and replica counts
together); without it they live in this process, which is right for the embedded profile.
Keys should not be personal data: pass a sender id or a hash, never a phone number.
"""

from __future__ import annotations

import threading
import time

import redis


class RateLimiter:
    """``allow(key)`` is True for the first ``limit`` calls per key in each window of ``window_s`` s."""

    def __init__(self, limit: int, window_s: float, redis_url: str | None = None, prefix: str = "ratelimit") -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self.prefix = prefix
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def _window(self, now: float) -> int:
        return int(now // self.window_s)

    def allow(self, key: str, now: float | None = None) -> bool:
        window = self._window(time.time() if now is None else now)
        if self._redis is not None:
            name = f"{self.prefix}:{key}:{window}"
            pipe = self._redis.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, int(self.window_s) + 1)
            count = int(pipe.execute()[0])
            return count <= self.limit
        with self._lock:
            # forget finished windows so the dict stays as small as the set of active keys
            for stale in [k for k in self._counts if k[1] < window]:
                del self._counts[stale]
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
            return count <= self.limit
