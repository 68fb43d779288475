"""Small key-value state the WeChat channel shares between requests and between workers.

Retry deduplication, the answer of a turn still being waited for, who delivered it, the access token,
and each user's pending numbered options and "更多" pages. With ``REDIS_URL`` set every worker sees the
same state (``SET NX EX`` for the claims); without it the state lives in this process only, which is
right for one worker and for tests.

If Redis cannot be reached the store logs the error and falls back to this process's memory for that
call: a user then still gets an answer (deduplicated within the worker) instead of nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

logger = logging.getLogger(__name__)

#: Redis socket timeouts (seconds): a slow Redis must not hold a WeChat request past its window.
REDIS_TIMEOUT = 1.0


class Store(Protocol):
    async def add(self, key: str, value: str, ttl: float) -> bool:
        """Set ``key`` only if it does not exist; True when this call set it."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl: float) -> None: ...

    async def incr(self, key: str, ttl: float) -> int:
        """Add one to the counter at ``key`` (0 when missing) and return the new value."""

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    """A dict with expiry; expired keys are dropped lazily and in a sweep every few hundred writes."""

    SWEEP_EVERY = 256

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._data: dict[str, tuple[str, float]] = {}
        self._writes = 0

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item[0]

    def _write(self, key: str, value: str, ttl: float) -> None:
        self._data[key] = (value, time.monotonic() + ttl)
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = time.monotonic()
            for k in [k for k, (_, exp) in self._data.items() if exp <= now]:
                del self._data[k]

    async def add(self, key: str, value: str, ttl: float) -> bool:
        key = self.prefix + key
        if self._live(key) is not None:
            return False
        self._write(key, value, ttl)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(self.prefix + key)

    async def set(self, key: str, value: str, ttl: float) -> None:
        self._write(self.prefix + key, value, ttl)

    async def incr(self, key: str, ttl: float) -> int:
        key = self.prefix + key
        value = int(self._live(key) or 0) + 1
        self._write(key, str(value), ttl)
        return value

    async def delete(self, key: str) -> None:
        self._data.pop(self.prefix + key, None)

    async def close(self) -> None:
        self._data.clear()


class RedisStore:
    """The same operations on Redis, shared by every worker; memory fallback when Redis fails.

    The client is created on first use, inside the server's event loop (redis-py's asyncio
    connections belong to the loop that opened them).
    """

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self._client = None
        self._fallback = MemoryStore(prefix)
        self._failing = False

    def _redis(self):
        if self._client is None:
            import redis.asyncio as aioredis

            self._client = aioredis.Redis.from_url(
                self.url, decode_responses=True, socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT, health_check_interval=30,
            )
        return self._client

    def _failed(self, op: str, e: Exception) -> None:
        if not self._failing:  # log the first failure loudly, the rest quietly until it recovers
            logger.error("Redis %s failed (%s); using this worker's memory until it answers again", op, e)
        else:
            logger.debug("Redis %s failed again: %s", op, e)
        self._failing = True

    def _ok(self) -> None:
        if self._failing:
            logger.warning("Redis answers again")
        self._failing = False

    async def add(self, key: str, value: str, ttl: float) -> bool:
        from redis.exceptions import RedisError

        try:
            done = await self._redis().set(self.prefix + key, value, nx=True, px=max(1, int(ttl * 1000)))
        except (RedisError, OSError) as e:
            self._failed("SET NX", e)
            return await self._fallback.add(key, value, ttl)
        self._ok()
        return bool(done)

    async def get(self, key: str) -> str | None:
        from redis.exceptions import RedisError

        try:
            value = await self._redis().get(self.prefix + key)
        except (RedisError, OSError) as e:
            self._failed("GET", e)
            return await self._fallback.get(key)
        self._ok()
        return value

    async def set(self, key: str, value: str, ttl: float) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis().set(self.prefix + key, value, px=max(1, int(ttl * 1000)))
        except (RedisError, OSError) as e:
            self._failed("SET", e)
            await self._fallback.set(key, value, ttl)
            return
        self._ok()

    async def incr(self, key: str, ttl: float) -> int:
        from redis.exceptions import RedisError

        try:
            async with self._redis().pipeline(transaction=True) as pipe:
                value, _ = await pipe.incr(self.prefix + key).pexpire(self.prefix + key, max(1, int(ttl * 1000))).execute()
        except (RedisError, OSError) as e:
            self._failed("INCR", e)
            return await self._fallback.incr(key, ttl)
        self._ok()
        return int(value)

    async def delete(self, key: str) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis().delete(self.prefix + key)
        except (RedisError, OSError) as e:
            self._failed("DEL", e)
        await self._fallback.delete(key)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.close()
                await client.connection_pool.disconnect()
            except Exception as e:  # noqa: BLE001 - closing is best effort
                logger.debug("closing Redis: %s", e)


def make_store(redis_url: str | None, prefix: str) -> Store:
    return RedisStore(redis_url, prefix) if redis_url else MemoryStore(prefix)
