"""Several replicas on one conversation: Rasa's stock ``RedisLockStore`` against ours, on the real Redis.

Each simulated replica is a thread with its own event loop and its own lock-store instance (its own
Redis connections), as separate Rasa processes would be. Every replica takes the same conversation's
lock for a number of rounds and holds it across an ``await``, as a turn does; a shared counter sees
whether two replicas were ever inside at once. The stock store is run first to show that the harness
catches what it is meant to (its GET-edit-SET ticket lock lets replicas in together: rasa issue 9213).
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import read_endpoint_config

from bot.lock_store import AtomicRedisLockStore

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
REPLICAS = 4
ROUNDS = 30
HOLD_S = 0.004
TURN_TIMEOUT_S = 3.0


@dataclass
class Contention:
    """What the replicas saw: turns run, turns run while another replica was inside, errors, stalls."""

    turns: int = 0
    overlapping: int = 0
    errors: int = 0
    stalled: int = 0
    inside: int = 0
    guard: threading.Lock = field(default_factory=threading.Lock)

    async def turn(self, store: LockStore, conversation_id: str) -> None:
        try:
            async with store.lock(conversation_id, lock_lifetime=1, wait_time_in_seconds=0.002):
                with self.guard:
                    self.inside += 1
                    self.turns += 1
                    self.overlapping += self.inside > 1
                await asyncio.sleep(HOLD_S)
                with self.guard:
                    self.inside -= 1
        except LockError:
            with self.guard:
                self.errors += 1

    async def bounded_turn(self, store: LockStore, conversation_id: str) -> None:
        """A turn that waits at most ``TURN_TIMEOUT_S`` for the lock (the stock store can wait forever)."""
        try:
            await asyncio.wait_for(self.turn(store, conversation_id), TURN_TIMEOUT_S)
        except asyncio.TimeoutError:
            with self.guard:
                self.stalled += 1

    def __str__(self) -> str:
        return (f"{self.turns} turns, {self.overlapping} while another replica held the lock, "
                f"{self.errors} LockError, {self.stalled} stalled > {TURN_TIMEOUT_S:g} s")


def contend(make_store) -> Contention:  # noqa: ANN001 - a zero-argument store factory
    seen = Contention()
    conversation_id = f"test-{uuid.uuid4().hex}"
    start = threading.Barrier(REPLICAS)

    def replica() -> None:
        async def rounds() -> None:
            store = make_store()
            start.wait()
            for _ in range(ROUNDS):
                await seen.bounded_turn(store, conversation_id)
        asyncio.run(rounds())

    threads = [threading.Thread(target=replica) for _ in range(REPLICAS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a replica hung"
    redis.Redis.from_url(REDIS_URL).delete(f"lock:{conversation_id}")  # what the stock store may leave behind
    return seen


@pytest.fixture(scope="module", autouse=True)
def _redis_up() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as e:
        pytest.fail(f"Redis at {REDIS_URL} is required for these tests: {e}")


def stock_store() -> RedisLockStore:
    url = urlsplit(REDIS_URL)
    return RedisLockStore(host=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0))


def atomic_store(prefix: str = "", **settings: object) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(url=REDIS_URL, key_prefix=prefix or f"testlock{uuid.uuid4().hex[:8]}",
                                lock_poll=0.002, **settings)


def test_stock_redis_lock_store_lets_replicas_into_one_conversation_together() -> None:
    seen = contend(stock_store)
    print(f"stock RedisLockStore: {seen}")
    assert seen.overlapping + seen.errors + seen.stalled > 0


def test_atomic_lock_store_never_does() -> None:
    prefix = f"testlock{uuid.uuid4().hex[:8]}"  # one key space for all replicas, as in a deployment
    seen = contend(lambda: atomic_store(prefix))
    print(f"AtomicRedisLockStore: {seen}")
    assert (seen.turns, seen.overlapping, seen.errors, seen.stalled) == (REPLICAS * ROUNDS, 0, 0, 0)


def test_a_turn_longer_than_the_lifetime_keeps_its_lock() -> None:
    """The holder extends its lock while it runs; a crashed holder's lock would still expire."""
    store = atomic_store(lock_lifetime=0.3)
    other = AtomicRedisLockStore(url=REDIS_URL, key_prefix=store.prefix, lock_wait=0.5, lock_poll=0.01)

    async def scenario() -> None:
        async with store.lock("c"):
            await asyncio.sleep(0.7)  # more than twice the lifetime
            with pytest.raises(LockError):
                await other.acquire("c")
        token = await other.acquire("c")
        assert await other.release("c", token)
    asyncio.run(scenario())


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])  # uvloop: what Rasa's Sanic server runs on
def test_every_turn_ends_though_redis_py_may_lose_the_keep_alives_cancel(loop: str) -> None:
    """Short turns with a keep-alive every 10 ms, so turns often end while it is inside a Redis call.

    redis-py 4.6 can lose that cancel (``async_timeout(0)`` when it checks a pooled connection). The
    keeper used to stop on the cancel alone; then it extended the lock for ever and the turn never
    returned: 300 turns hung after 2 to 60 of them on both loops, and the CI run of stop 21 hung here.
    """
    import random

    import uvloop
    store = atomic_store(lock_lifetime=0.03)
    ended: list[int] = []

    async def turns() -> None:
        for i in range(300):
            async with store.lock("c"):
                await asyncio.sleep(random.uniform(0, store.lifetime_s))
            ended.append(i)

    runner = threading.Thread(target=uvloop.run if loop == "uvloop" else asyncio.run, args=(turns(),),
                              daemon=True)  # a daemon: a hung loop must not hold the test run at exit
    runner.start()
    runner.join(timeout=90)
    assert not runner.is_alive(), f"a turn never returned after {len(ended)} turns"
    assert len(ended) == 300


def test_a_cancelled_turn_releases_its_lock_and_stays_cancelled() -> None:
    store = atomic_store()

    async def scenario() -> None:
        async def turn() -> None:
            async with store.lock("c"):
                await asyncio.sleep(10)
        task = asyncio.create_task(turn())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await store.redis.get(store.key("c")) is None
    asyncio.run(scenario())


def test_an_expired_holder_cannot_delete_its_successors_lock() -> None:
    store = atomic_store(lock_lifetime=0.2)

    async def scenario() -> None:
        first = await store.acquire("c")  # taken without the keep-alive: as if its replica had died
        await asyncio.sleep(0.3)
        second = await store.acquire("c")
        assert second > first
        assert not await store.release("c", first)
        assert await store.redis.get(store.key("c")) == str(second).encode()
        assert await store.release("c", second)
    asyncio.run(scenario())


def test_unreachable_redis_is_a_lock_error_not_a_hang() -> None:
    with socket_free_port() as port:
        store = AtomicRedisLockStore(url=f"redis://127.0.0.1:{port}/0", lock_wait=1)
    with pytest.raises(LockError):
        asyncio.run(store.acquire("c"))


def test_loaded_by_rasa_from_an_endpoints_file(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("LOCK_WAIT_S", "7")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("lock_store:\n  type: bot.lock_store.AtomicRedisLockStore\n  url: ${REDIS_URL}\n"
                         "  lock_lifetime: 12\n")
    store = LockStore.create(read_endpoint_config(str(endpoints), "lock_store"))
    assert isinstance(store, AtomicRedisLockStore)
    assert (store.lifetime_s, store.wait_s) == (12.0, 7.0)


class socket_free_port:  # noqa: N801 - used as a context manager
    """A loopback port nothing listens on (bound then released)."""

    def __enter__(self) -> int:
        import socket
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.s.close()


def test_a_redis_restart_costs_no_turn_after_it(tmp_path) -> None:  # noqa: ANN001
    """After a restart every pooled connection is dead; a burst of turns takes several of them at once.

    Without retries each dead connection failed its next command, so the first burst after a restart
    lost one turn per connection (answered politely, never processed): the lost first turn of
    ``test_layout``'s concurrent conversations, which ran after the Redis fault test.
    """
    from tests.scale.stack import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    try:
        store = AtomicRedisLockStore(url=server.url, lock_wait=5)

        async def burst(tag: str, n: int = 10) -> int:
            async def turn(i: int) -> bool:
                try:
                    async with store.lock(f"{tag}-{i}"):
                        await asyncio.sleep(0.05)  # held across an await, so the turns need n connections
                    return True
                except LockError:
                    return False
            return sum(await asyncio.gather(*(turn(i) for i in range(n))))

        async def scenario() -> tuple[int, int, int]:
            before = await burst("before")
            server.stop()
            server.start()
            return before, await burst("single", 1), await burst("after")

        assert asyncio.run(scenario()) == (10, 1, 10)
    finally:
        server.stop()


def test_a_retried_acquire_that_had_reached_redis_is_still_ours() -> None:
    """Acquiring is idempotent: a retry after a lost reply finds the lock already holding its token."""
    store = atomic_store(lock_wait=0.3)

    async def scenario() -> None:
        token = 10**12 + 7
        key, ms = store.key("c"), int(store.lifetime_s * 1000)
        assert await store._acquire(keys=[key], args=[token, ms])  # noqa: SLF001 - the first try
        assert await store._acquire(keys=[key], args=[token, ms])  # noqa: SLF001 - its retry
        assert not await store._acquire(keys=[key], args=[token + 1, ms])  # noqa: SLF001 - anyone else
        assert await store.release("c", token)
    asyncio.run(scenario())
