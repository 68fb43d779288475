"""The channel's state store, the customer-service API client, and its configuration."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import pytest

from bot.channels.wechat import WeChatInput
from bot.channels.wechat_api import CustomerServiceAPI
from bot.channels.wechat_store import MemoryStore, RedisStore
from tests.support.net import free_port
from tests.support.wechat import AES_KEY, APPID, SECRET, TOKEN
from tools.wechat_api_standin import FakeWeChatAPI


async def _exercise(store) -> None:
    assert await store.add("k", "first", 30)
    assert not await store.add("k", "second", 30)
    assert await store.get("k") == "first"
    await store.set("k", "third", 30)
    assert await store.get("k") == "third"
    assert [await store.incr("n", 30) for _ in range(3)] == [1, 2, 3]
    await store.delete("k")
    assert await store.get("k") is None
    assert await store.add("short", "x", 0.05)
    await asyncio.sleep(0.15)
    assert await store.get("short") is None
    assert await store.add("short", "y", 30)


def test_memory_store() -> None:
    asyncio.run(_exercise(MemoryStore("p:")))


def test_redis_store(redis_url: str) -> None:
    async def main() -> None:
        store = RedisStore(redis_url, f"wechat-test:{uuid.uuid4().hex}:")
        other_worker = RedisStore(redis_url, store.prefix)
        try:
            await _exercise(store)
            assert not await other_worker.add("short", "z", 30)  # shared between workers
            assert await other_worker.get("short") == "y"
            assert store._failing is False
        finally:
            for s in (store, other_worker):
                await s.delete("short")
                await s.delete("n")
                await s.close()

    asyncio.run(main())


def test_redis_store_falls_back_to_memory_when_redis_is_down(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", "p:")
        await _exercise(store)
        await store.close()

    with caplog.at_level(logging.ERROR, logger="bot.channels.wechat_store"):
        asyncio.run(main())
    assert sum("Redis" in r.message for r in caplog.records if r.levelno >= logging.ERROR) == 1  # said once


# ----------------------------------------------------------------- the API


@pytest.fixture
def api_server() -> FakeWeChatAPI:
    server = FakeWeChatAPI(APPID, SECRET).start()
    yield server
    server.stop()


def _api(server: FakeWeChatAPI, store=None, **kw) -> CustomerServiceAPI:
    return CustomerServiceAPI(APPID, SECRET, store or MemoryStore(), server.base, **kw)


def test_send_text_fetches_the_token_once_and_sends_utf8_json(api_server: FakeWeChatAPI) -> None:
    async def main() -> None:
        api = _api(api_server)
        assert await api.send_text("oUser1", "您好，第一条")
        assert await api.send_text("oUser1", "第二条")
        await api.close()

    asyncio.run(main())
    assert len(api_server.token_fetches()) == 1
    q = api_server.token_fetches()[0].query
    assert q == {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    sends = api_server.sends()
    assert [c.query["access_token"] for c in sends] == ["TOKEN-1", "TOKEN-1"]
    assert sends[0].json == {"touser": "oUser1", "msgtype": "text", "text": {"content": "您好，第一条"}}
    assert "您好".encode() in sends[0].body  # UTF-8, not \\u escapes


def test_token_is_shared_between_workers_through_redis(api_server: FakeWeChatAPI, redis_url: str) -> None:
    async def main() -> None:
        prefix = f"wechat-test:{uuid.uuid4().hex}:"
        workers = [_api(api_server, RedisStore(redis_url, prefix)) for _ in range(3)]
        assert all(await asyncio.gather(*(w.send_text("oUser", f"msg {i}") for i, w in enumerate(workers))))
        for w in workers:
            await w.store.delete("access_token")
            await w.close()
            await w.store.close()

    asyncio.run(main())
    assert len(api_server.token_fetches()) == 1
    assert len(api_server.delivered("oUser")) == 3


def test_expired_token_is_fetched_again_once(api_server: FakeWeChatAPI) -> None:
    async def main() -> bool:
        api = _api(api_server)
        assert await api.send_text("oUser", "one")
        api_server.expire_token()  # e.g. fetched elsewhere with the same AppSecret
        ok = await api.send_text("oUser", "two")
        await api.close()
        return ok

    assert asyncio.run(main())
    assert len(api_server.token_fetches()) == 2
    assert [c.answer["errcode"] for c in api_server.sends()] == [0, 40001, 0]


@pytest.mark.parametrize("setup, expected_log", [
    (lambda s: s.send_errors.append(45015), "45015"),  # the user has not written for 48 hours
    (lambda s: setattr(s, "http_status", 502), "HTTP 502"),
    (lambda s: setattr(s, "delay", 1.0), "timed out"),
])
def test_api_errors_are_logged_not_raised(api_server: FakeWeChatAPI, setup, expected_log: str,
                                          caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> bool:
        api = _api(api_server, timeout=0.3)
        if expected_log == "45015":
            await api.access_token()
        setup(api_server)
        ok = await api.send_text("oUser", "hi")
        await api.close()
        return ok

    with caplog.at_level(logging.ERROR, logger="bot.channels.wechat_api"):
        assert asyncio.run(main()) is False
    assert any(expected_log in r.getMessage() for r in caplog.records)


def test_unreachable_api_and_wrong_secret_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    server = FakeWeChatAPI(APPID, "another-secret").start()

    async def main() -> tuple[bool, bool]:
        down = CustomerServiceAPI(APPID, SECRET, MemoryStore(), f"http://127.0.0.1:{free_port()}", timeout=1)
        refused = CustomerServiceAPI(APPID, SECRET, MemoryStore(), server.base, timeout=1)
        result = await down.send_text("o", "x"), await refused.send_text("o", "x")
        await down.close()
        await refused.close()
        return result

    try:
        with caplog.at_level(logging.ERROR, logger="bot.channels.wechat_api"):
            assert asyncio.run(main()) == (False, False)
    finally:
        server.stop()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "unreachable" in text and "40125" in text
    assert SECRET not in text


# ------------------------------------------------------------ configuration


ENV = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_APPSECRET": SECRET, "WECHAT_AES_KEY": AES_KEY,
       "WECHAT_MODE": "safe", "REDIS_URL": "", "WECHAT_API_BASE": "http://127.0.0.1:1"}
#: The alternative spelling with Rasa's ${VAR} substitution: every variable named must then be set.
SUBSTITUTED = """bot.channels.wechat.WeChatInput:
  token: ${WECHAT_TOKEN}
  appid: ${WECHAT_APPID}
  appsecret: ${WECHAT_APPSECRET}
  aes_key: ${WECHAT_AES_KEY}
  mode: ${WECHAT_MODE}
  redis_url: ${REDIS_URL}
  api_base: ${WECHAT_API_BASE}
"""


def _load_channels(tmp_path: Path, section: str) -> list:
    from rasa.core.run import create_http_input_channels

    creds = tmp_path / "credentials.yml"
    creds.write_text("rest:\n" + section, encoding="utf-8")
    return create_http_input_channels(None, str(creds))


@pytest.mark.parametrize("section", ["recommended", "substituted"])
def test_credentials_lines_for_the_lead_load_the_channel_like_rasa_does(section: str, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials.yml section given to the lead, read by Rasa's own loader."""
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    text = (Path(__file__).parent / "credentials_section.yml").read_text(encoding="utf-8") \
        if section == "recommended" else SUBSTITUTED
    wechat = [c for c in _load_channels(tmp_path, text) if isinstance(c, WeChatInput)]
    assert len(wechat) == 1
    ch = wechat[0]
    assert ch.name() == "wechat" and ch.url_prefix() == "wechat"
    assert ch.problem is None and ch.protocol.mode == "safe" and ch.protocol.appid == APPID
    assert ch.api.api_base == "http://127.0.0.1:1" and isinstance(ch.store, MemoryStore)


def test_recommended_lines_keep_the_server_starting_without_wechat(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.shared.exceptions import RasaException

    for k in ENV:
        monkeypatch.delenv(k, raising=False)
    section = (Path(__file__).parent / "credentials_section.yml").read_text(encoding="utf-8")
    [ch] = [c for c in _load_channels(tmp_path, section) if isinstance(c, WeChatInput)]
    assert ch.protocol is None and "WECHAT_TOKEN" in ch.problem
    with pytest.raises(RasaException, match="environment variables"):  # why the bare section is recommended
        _load_channels(tmp_path, SUBSTITUTED)


def test_settings_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_MODE", "plain")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    for k in ("WECHAT_APPID", "WECHAT_APPSECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE"):
        monkeypatch.delenv(k, raising=False)
    ch = WeChatInput.from_credentials(None)
    assert ch.problem is None and ch.protocol.token == TOKEN and isinstance(ch.store, RedisStore)
    assert ch.api.api_base == "https://api.weixin.qq.com" and ch.reply_window == 4.5
    ch = WeChatInput.from_credentials({"token": "from-file", "mode": ""})
    assert ch.protocol.token == "from-file"


@pytest.mark.parametrize("settings, problem", [
    ({"token": ""}, "WECHAT_TOKEN"),
    ({"token": TOKEN, "mode": "safe", "aes_key": ""}, "EncodingAESKey"),
    ({"token": TOKEN, "mode": "whatever"}, "mode"),
])
def test_unusable_settings_disable_the_channel_instead_of_the_server(settings: dict, problem: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("WECHAT_TOKEN", "WECHAT_AES_KEY", "WECHAT_MODE"):
        monkeypatch.delenv(k, raising=False)
    ch = WeChatInput.from_credentials({"appid": APPID, **settings})
    assert ch.protocol is None and problem in ch.problem


def test_without_a_mode_the_channel_expects_safe_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plaintext is never a silent default: with only a token the channel stays off and says why."""
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    for k in ("WECHAT_MODE", "WECHAT_AES_KEY", "WECHAT_APPID"):
        monkeypatch.delenv(k, raising=False)
    ch = WeChatInput.from_credentials(None)
    assert ch.protocol is None and "EncodingAESKey" in ch.problem and "WECHAT_MODE=plain" in ch.problem
    monkeypatch.setenv("WECHAT_AES_KEY", AES_KEY)
    monkeypatch.setenv("WECHAT_APPID", APPID)
    assert WeChatInput.from_credentials(None).protocol.mode == "safe"


@pytest.mark.parametrize("mode, warned", [("plain", True), ("compat", False), ("safe", False)])
def test_plain_mode_is_announced_at_start_up(mode: str, warned: bool, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.channels.wechat"):
        ch = WeChatInput(TOKEN, APPID, SECRET, AES_KEY, mode=mode)
    assert ch.protocol.mode == mode
    assert any("plain mode" in r.getMessage() for r in caplog.records) is warned
