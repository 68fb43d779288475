"""A conversation lock for several Rasa replicas that is atomic in Redis.

Why not Rasa's ``RedisLockStore``: in open-source 3.6 it keeps a JSON ``TicketLock`` under one key and
changes it by GET, edit in Python, SET (``issue_ticket``, ``finish_serving``, ``update_lock``). Two
replicas that read the key at the same moment both write back their own version, so both can hold
ticket "now serving" at once and run one conversation's turns interleaved, and a waiter whose lock was
deleted under it fails with ``LockError`` (rasa issue 9213; ``tests/scale/test_lock_store.py`` shows it).

Here each step is one atomic Redis command:

- **acquire** ``SET lock:<conversation> <token> NX PX <lifetime>`` (in a Lua script, see below), tried every ``poll`` seconds
  until ``wait`` runs out (then :class:`LockError`, which the channels turn into a polite answer);
- the **token** is a fencing number from ``INCR`` on one counter: unique and increasing, so a holder
  only ever touches the lock it took;
- **release** and **extend** are Lua compare-and-delete / compare-and-``PEXPIRE`` on that token: a
  holder whose lock already expired cannot delete its successor's;
- while a turn runs, the lock is extended every third of its lifetime, so ``lifetime`` bounds how long
  a *crashed* replica blocks its conversations, not how long a turn may take.

**Redis restarts and slow replies.** redis-py keeps a pool of connections; after Redis restarts, every
idle one is dead, and without retries each fails its next command once. One turn in a burst takes
several connections at once, so the first burst after a restart lost a turn per dead connection
(answered, but not processed). So each command is retried on a connection or timeout error (a fresh
connection, a short backoff), and every step is idempotent, so a retry of a command that had reached
Redis does no harm: acquiring is a Lua set-if-absent-or-already-ours, release and extend compare the
token, and a retried ``INCR`` only skips a fencing number.

Settings (``lock_store:`` in the endpoints file, else the environment, else the default):
``url`` / ``REDIS_URL``; ``lock_lifetime`` / ``LOCK_LIFETIME_S`` (10 s); ``lock_wait`` /
``LOCK_WAIT_S`` (30 s); ``lock_poll`` / ``LOCK_POLL_S`` (0.02 s); ``key_prefix`` / ``LOCK_KEY_PREFIX``
(``lock``). Redis unreachable means no lock and so no turn (:class:`LockError`): one conversation's
turns never run twice at once, and redis-py reconnects by itself when Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

DEFAULTS = {"lock_lifetime": 10.0, "lock_wait": 30.0, "lock_poll": 0.02}
ENV_NAMES = {"lock_lifetime": "LOCK_LIFETIME_S", "lock_wait": "LOCK_WAIT_S", "lock_poll": "LOCK_POLL_S"}
REDIS_TIMEOUT_S = 2.0
#: tries after the first on a connection or timeout error (a dead pooled connection, a reply too slow)
REDIS_RETRIES = 3

# set if absent, or refresh if it is already ours (a retried acquire whose first try reached Redis)
ACQUIRE = ("if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end "
           "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end "
           "return 0")
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
EXTEND = ("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
          "else return 0 end")


def _setting(kwargs: dict[str, Any], name: str) -> float:
    raw = kwargs.get(name) or os.environ.get(ENV_NAMES[name]) or DEFAULTS[name]
    value = float(raw)
    if value <= 0:
        raise ValueError(f"lock store: {name} must be a positive number of seconds, not {raw!r}")
    return value


class AtomicRedisLockStore(LockStore):
    """Rasa's ``LockStore`` interface (``async with store.lock(conversation_id)``) on atomic Redis commands."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **overrides: Any) -> None:
        kwargs = {**(endpoint_config.kwargs if endpoint_config else {}), **overrides}
        url = (endpoint_config.url if endpoint_config else None) or kwargs.get("url") or os.environ.get("REDIS_URL")
        if not url:
            raise ValueError("lock store: set url in the endpoints file or REDIS_URL")
        self.lifetime_s = _setting(kwargs, "lock_lifetime")
        self.wait_s = _setting(kwargs, "lock_wait")
        self.poll_s = _setting(kwargs, "lock_poll")
        self.prefix = str(kwargs.get("key_prefix") or os.environ.get("LOCK_KEY_PREFIX") or "lock")
        self.redis = aioredis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S, health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.02), REDIS_RETRIES),
            retry_on_error=[RedisConnectionError, RedisTimeoutError])
        self._acquire = self.redis.register_script(ACQUIRE)
        self._release = self.redis.register_script(RELEASE)
        self._extend = self.redis.register_script(EXTEND)
        super().__init__()

    def key(self, conversation_id: str) -> str:
        return f"{self.prefix}:{conversation_id}"

    async def acquire(self, conversation_id: str) -> int:
        """Take the conversation's lock, waiting up to ``wait_s``; the fencing token that holds it."""
        key = self.key(conversation_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        try:
            token = int(await self.redis.incr(f"{self.prefix}:fence"))
            while not await self._acquire(keys=[key], args=[token, int(self.lifetime_s * 1000)]):
                if loop.time() >= deadline:
                    raise LockError(f"conversation lock still held by another turn after {self.wait_s:g} s")
                await asyncio.sleep(self.poll_s)
        except RedisError as e:
            raise LockError(f"lock store unreachable: {type(e).__name__}") from e
        return token

    async def release(self, conversation_id: str, token: int) -> bool:
        """Delete the lock if ``token`` still holds it; False when it had expired (logged, not raised)."""
        try:
            released = bool(await self._release(keys=[self.key(conversation_id)], args=[token]))
        except RedisError as e:  # the lock expires by itself after its lifetime
            logger.warning("lock store: could not release a conversation lock (%s)", type(e).__name__)
            return False
        if not released:
            logger.warning("lock store: a conversation lock expired before its turn ended")
        return released

    async def _keep_alive(self, conversation_id: str, token: int, ended: asyncio.Event) -> None:
        """Extend the lock every third of its lifetime until the turn has ``ended``.

        The loop ends on the event, not on cancellation alone: redis-py 4.6 loses a cancellation that
        arrives while it checks a pooled connection (``async_timeout(0)`` in ``can_read_destructive``
        takes the cancel for its own timeout), and a keeper that missed its cancel would extend the
        lock for ever, so the turn never returned and its conversation stayed locked.
        """
        key = self.key(conversation_id)
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(ended.wait(), self.lifetime_s / 3)
            if ended.is_set():
                return
            with contextlib.suppress(RedisError):
                if not await self._extend(keys=[key], args=[token, int(self.lifetime_s * 1000)]):
                    return

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncIterator[int]:  # type: ignore[override]
        """Hold the conversation's lock for the block (Rasa's arguments are its defaults: ours are configured)."""
        token = await self.acquire(conversation_id)
        ended = asyncio.Event()
        keeper = asyncio.create_task(self._keep_alive(conversation_id, token, ended))
        try:
            yield token
        finally:
            ended.set()
            keeper.cancel()  # cuts a slow extend short; the event ends the keeper if the cancel is lost
            try:
                await asyncio.wait([keeper])  # unlike ``await keeper``, a cancel of this turn still propagates
            finally:
                await self.release(conversation_id, token)
