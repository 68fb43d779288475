"""The fixtures more than one suite uses: a pytest plugin, loaded by ``tests/conftest.py``.

- ``stack``: **the** running assistant of the session (:func:`tests.support.stack.default_stack`), started
  the first time a test asks for it and stopped at the end of the run; every end-to-end suite uses it.
  ``stack_environ`` is the same stack with its settings (its tracker and appointments databases) in
  ``os.environ`` for one test, for tests that run the CLI or open the stores in-process.
- ``stub_rasa``: a recording stand-in for Rasa's REST channel (the web and security suites).
- the WeChat channel served in-process (``tests/wechat``, ``tests/security/test_wechat.py``): ``assistant``,
  the trained model loaded once in this process and calling the stack's action server; ``make_server``,
  channel "workers" on loopback; ``fake_api``, the stand-in ``api.weixin.qq.com``; ``redis_url``.

At the end of the run the starts of stacks are listed (``test-results/logs/stack-boots.log`` keeps them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.wechat_store import RedisStore
from tests.support import wechat
from tests.support.locations import REDIS_URL
from tests.support.stack import BOOTS, Stack, booted, default_stack
from tests.support.web import StubRasa, stub_rasa_server
from tests.support.wechat import ChannelServer, LoopThread
from tools.wechat_api_standin import FakeWeChatAPI


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, _kb_database: None) -> Iterator[Stack]:
    """The action server, Rasa with the trained model and the web front, once for the whole run."""
    with default_stack(tmp_path_factory.mktemp("stack")) as s:
        yield s


@pytest.fixture
def stack_environ(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Stack:
    """The session's stack, with its settings in ``os.environ`` until this test ends."""
    for name, value in stack.settings.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return stack


@pytest.fixture(scope="module")
def stub_rasa() -> Iterator[StubRasa]:
    with stub_rasa_server() as stub:
        yield stub


# --- the WeChat channel, served in this process -----------------------------------------------------------

@pytest.fixture(scope="session")
def loop_thread() -> Iterator[LoopThread]:
    loop = LoopThread()
    yield loop
    loop.stop()


@pytest.fixture(scope="session")
def tracker_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file of the in-process assistant's tracker store (Rasa's ``SQLTrackerStore``, as deployed):
    its own, because the WeChat tests count what the store holds of a phone number or a phrase."""
    return tmp_path_factory.mktemp("wechat-trackers") / "tracker.sqlite3"


@pytest.fixture(scope="session")
def assistant(loop_thread: LoopThread, stack: Stack, tracker_path: Path) -> Any:
    """The trained assistant loaded in this process (the channel tests hold and script its turns), calling
    the stack's action server, warmed up."""
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import EndpointConfig

    from bot.model import ensure_model

    with booted("the WeChat tests' agent (the model, in this process)"):
        agent = Agent.load(ensure_model(quiet=True),
                           action_endpoint=EndpointConfig(stack.action_url, headers=stack.action_headers),
                           tracker_store=SQLTrackerStore(dialect="sqlite", db=str(tracker_path)))
        for text in ("你好", "绿卡有什么用？", "What does the green card give me?"):
            loop_thread.run(agent.handle_text(text, sender_id=f"warm-up-{uuid.uuid4().hex}"), timeout=300)
    return agent


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatAPI]:
    api = FakeWeChatAPI(wechat.APPID, wechat.SECRET).start()
    yield api
    api.stop()


@pytest.fixture
def redis_url() -> str:
    """Redis is required like PostgreSQL is (``TEST_REDIS_URL``); every test uses its own key prefix."""
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

    def make(agent: Any, *, mode: str = "plain", redis_url: str | None = None, reply_window: float = wechat.CONTENT_REPLY_WINDOW,
             key_prefix: str | None = None, http_timeout: float = 5.0, api_base: str | None = None,
             **settings: Any) -> ChannelServer:
        channel = WeChatInput(token=wechat.TOKEN, appid=wechat.APPID, appsecret=wechat.SECRET,
                              aes_key=wechat.AES_KEY, mode=mode, redis_url=redis_url,
                              api_base=api_base or fake_api.base, reply_window=reply_window, http_timeout=http_timeout,
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


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's reporter
    if BOOTS:
        terminalreporter.section(f"stacks started: {len(BOOTS)}")
        for line in BOOTS:
            terminalreporter.write_line(line)
