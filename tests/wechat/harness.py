"""Running the WeChat channel for tests: an event loop in a thread serving real HTTP on loopback.

The channel is mounted the way ``rasa run`` mounts input channels
(``rasa.core.channels.channel.register`` under ``/webhooks/``), on a Sanic server whose handler calls
``app.ctx.agent.handle_message``: the real agent (trained model, real action server) or, where a test
needs it, a wrapper that holds turns until the test lets them go (to make a turn slow without
sleeping anywhere in the channel) or a scripted agent (replies of a chosen length).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.wechat import WeChatInput
from bot.model import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class ActionServer:
    """``python -m bot.action_server`` on a free port and loopback, as ``bot/runner.py`` starts it (no token here)."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / "actions.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
        env.pop("ACTION_SERVER_TOKEN", None)  # without one it serves loopback callers: the agent sends no token
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def wait(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"action server exited; see {self.log_path}")
            with contextlib.suppress(OSError), urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                if r.status == 200:
                    return
            time.sleep(0.5)
        raise TimeoutError(f"action server did not start; see {self.log_path}")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
        self._log.close()


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
