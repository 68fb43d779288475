"""Running the WeChat channel for tests: an event loop in a thread serving real HTTP on loopback.

The channel is configured with the test account below (:data:`TOKEN`, :data:`APPID`, :data:`SECRET`,
:data:`AES_KEY`) and pushed to by :class:`tools.wechat_platform.WeChatPlatform` (:func:`platform_for`).

The channel is mounted the way ``rasa run`` mounts input channels
(``rasa.core.channels.channel.register`` under ``/webhooks/``), on a Sanic server whose handler calls
``app.ctx.agent.handle_message``: the real agent (trained model, real action server) or, where a test
needs it, a wrapper that holds turns until the test lets them go (to make a turn slow without
sleeping anywhere in the channel) or a scripted agent (replies of a chosen length).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import threading
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.wechat import WeChatInput
from tools.wechat_platform import WeChatPlatform

#: The reply window and platform deadline of tests about what is answered, not when: the real platform's
#: 5 s (``reply_window=4.5``) is exercised by the tests that set a window themselves, and on a loaded CI
#: machine a model turn can take longer, which turns the passive reply into a customer-service message.
CONTENT_REPLY_WINDOW = 25.0
CONTENT_PLATFORM_TIMEOUT = 30.0

TOKEN = "jincai-test-token"
APPID = "wx0123456789abcdef"
SECRET = "test-app-secret"
AES_KEY = base64.b64encode(bytes(range(7, 39))).decode()[:-1]  # 43 characters, like the console's


class LoopThread:
    """An asyncio loop running in a daemon thread; ``run`` executes a coroutine there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="wechat-test-loop")
        self.thread.start()

    def run(self, coro: Coroutine, timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], Any]) -> None:
        self.loop.call_soon_threadsafe(fn)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class GatedAgent:
    """Passes turns to the real agent; while the gate is closed, turns wait at the door."""

    def __init__(self, agent: Any, loop: LoopThread) -> None:
        self.agent = agent
        self.loop = loop
        self.turns = 0
        self._open = asyncio.Event()
        self._open.set()
        self.held = 0

    def close(self) -> None:
        self.loop.call(self._open.clear)

    def open(self) -> None:
        self.loop.call(self._open.set)

    async def handle_message(self, message: UserMessage) -> Any:
        self.turns += 1
        if not self._open.is_set():
            self.held += 1
            await self._open.wait()
        return await self.agent.handle_message(message)


class ScriptedAgent:
    """Answers every message with ``reply(message)``: for reply shapes the model does not produce."""

    def __init__(self, reply: Callable[[UserMessage], list[dict]]) -> None:
        self.reply = reply
        self.received: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        for m in self.reply(message):
            await message.output_channel.send_response(message.sender_id, dict(m))


class ChannelServer:
    """One "worker": a Sanic app with the WeChat channel mounted, on a real loopback port."""

    def __init__(self, loop: LoopThread, channel: WeChatInput, agent: Any) -> None:
        self.loop = loop
        self.channel = channel
        Sanic.test_mode = True  # several apps in one process: Sanic then re-applies its touch-ups safely
        self.app = Sanic(f"wechat_test_{uuid.uuid4().hex[:10]}")
        self.app.ctx.agent = agent
        register([channel], self.app, route="/webhooks/")
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = loop.run(self._start(), timeout=30)

    async def _start(self) -> Any:
        server = await self.app.create_server(sock=self.sock, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.start_serving()
        await server.after_start()
        return server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/wechat/webhook"

    def stop(self) -> None:
        async def _stop() -> None:
            await self.server.before_stop()
            self.server.close()
            await self.server.wait_closed()
            await self.server.after_stop()

        with contextlib.suppress(Exception):
            self.loop.run(_stop(), timeout=30)
        self.sock.close()


def platform_for(servers: ChannelServer | list[ChannelServer], mode: str = "plain", **kw: Any) -> WeChatPlatform:
    """The platform simulator pushing to ``servers`` with the test account."""
    urls = [s.url for s in servers] if isinstance(servers, list) else servers.url
    kw.setdefault("timeout", CONTENT_PLATFORM_TIMEOUT)
    return WeChatPlatform(urls, TOKEN, APPID, AES_KEY, mode=mode, **kw)


def new_openid() -> str:
    return "o" + uuid.uuid4().hex[:27]
