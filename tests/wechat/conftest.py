"""Fixtures for the WeChat channel tests.

The conversation tests use the real assistant: the model from ``ensure_model`` (trained only when the
training data changed), the real action server, and the channel served over loopback HTTP. Redis is
required like PostgreSQL is for the KB tests (``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/0``);
every test uses its own key prefix, so runs do not collide.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.wechat_store import RedisStore
from tests.wechat.fake_api import FakeWeChatAPI
from tests.wechat.harness import ActionServer, ChannelServer, LoopThread
from tests.wechat.simulator import WeChatPlatform

TOKEN = "jincai-test-token"
APPID = "wx0123456789abcdef"
SECRET = "test-app-secret"
AES_KEY = base64.b64encode(bytes(range(7, 39))).decode()[:-1]  # 43 characters, like the console's
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def loop_thread() -> Iterator[LoopThread]:
    loop = LoopThread()
    yield loop
    loop.stop()


@pytest.fixture(scope="session")
def tracker_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file of the assistant's tracker store (Rasa's ``SQLTrackerStore``, as deployed)."""
    return tmp_path_factory.mktemp("wechat-trackers") / "tracker.sqlite3"


@pytest.fixture(scope="session")
def assistant(loop_thread: LoopThread, tmp_path_factory: pytest.TempPathFactory, tracker_path: Path,
              _kb_database: None) -> Iterator[Any]:
    """The trained assistant with its action server and an SQL tracker store, loaded once per run
    and warmed up."""
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import EndpointConfig

    from bot.model import ensure_model

    model = ensure_model(quiet=True)
    actions = ActionServer(tmp_path_factory.mktemp("wechat-logs"))
    try:
        actions.wait()
        agent = Agent.load(model, action_endpoint=EndpointConfig(actions.url),
                           tracker_store=SQLTrackerStore(dialect="sqlite", db=str(tracker_path)))
        for text in ("你好", "绿卡有什么用？", "What does the green card give me?"):
            loop_thread.run(agent.handle_text(text, sender_id=f"warm-up-{uuid.uuid4().hex}"), timeout=300)
        yield agent
    finally:
        actions.stop()


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatAPI]:
    api = FakeWeChatAPI(APPID, SECRET).start()
    yield api
    api.stop()


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        pytest.fail(f"Redis at {REDIS_URL} is required for these tests and is unreachable: {e}")
    return REDIS_URL


@pytest.fixture
def make_server(loop_thread: LoopThread, fake_api: FakeWeChatAPI, tracker_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ChannelServer]]:
    """Start a channel "worker" for an agent; several calls with one ``key_prefix`` share state."""
    servers: list[ChannelServer] = []
    from bot.channels.wechat import WeChatInput

    # an unfollow deletes the conversation through bot.privacy, from the tracker store Rasa is
    # configured with (endpoints.yml + TRACKER_SQLITE_PATH): the test assistant's, not var/
    monkeypatch.setenv("TRACKER_SQLITE_PATH", str(tracker_path))
    monkeypatch.delenv("ENDPOINTS", raising=False)

    def make(agent: Any, *, mode: str = "plain", redis_url: str | None = None, reply_window: float = 4.5,
             key_prefix: str | None = None, http_timeout: float = 5.0, api_base: str | None = None,
             **settings: Any) -> ChannelServer:
        channel = WeChatInput(token=TOKEN, appid=APPID, appsecret=SECRET, aes_key=AES_KEY, mode=mode,
                              redis_url=redis_url, api_base=api_base or fake_api.base, reply_window=reply_window,
                              http_timeout=http_timeout,
                              key_prefix=key_prefix or f"wechat-test:{uuid.uuid4().hex}:", **settings)
        server = ChannelServer(loop_thread, channel, agent)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    _forget_redis_keys({(s.channel.store.url, s.channel.store.prefix) for s in servers
                        if isinstance(s.channel.store, RedisStore)})


def _forget_redis_keys(stores: set[tuple[str, str]]) -> None:
    import redis

    for url, prefix in stores:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


def platform_for(servers: ChannelServer | list[ChannelServer], mode: str = "plain", **kw: Any) -> WeChatPlatform:
    urls = [s.url for s in servers] if isinstance(servers, list) else servers.url
    return WeChatPlatform(urls, TOKEN, APPID, AES_KEY, mode=mode, **kw)


def new_openid() -> str:
    return "o" + uuid.uuid4().hex[:27]
