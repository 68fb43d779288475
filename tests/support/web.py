"""Web fronts (``python -m bot.web``) on free ports, a recording stub of Rasa's REST channel, and what a
browser page did.

The fronts start as the runner starts them, with cookies signed by :data:`SESSION_SECRET` (so tests never
write ``var/web_session.key``); their logs go to ``test-results/logs/``, screenshots to
``test-results/screenshots/``.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.env import child_environ
from tests.support.locations import LOGS, RESULTS, ROOT
from tests.support.net import HttpResult, free_port, http, wait_http

SCREENSHOTS = RESULTS / "screenshots"
STAFF_TOKEN = f"staff-{secrets.token_urlsafe(24)}"
#: Signs the test web processes' conversation cookies (so tests never write var/web_session.key).
SESSION_SECRET = secrets.token_urlsafe(48)
#: How long a browser test waits for the assistant (the first turn after start-up warms the models).
REPLY_TIMEOUT_MS = 60_000


def build_kb() -> None:
    """Build the per-run KB database once, before several processes open it at the same time."""
    from policy_kb.db import open_kb

    open_kb()


@dataclass
class WebProcess:
    url: str
    proc: subprocess.Popen
    log: Path

    def peak_rss_kib(self) -> int:
        """The process's peak resident memory so far (``VmHWM``), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM in /proc status")


@contextlib.contextmanager
def web_process(rasa_url: str, staff_token: str | None = None, *extra: str, name: str = "web",
                env: dict[str, str | None] | None = None) -> Iterator[WebProcess]:
    """``python -m bot.web`` on a free port, as the runner starts it. ``env`` overrides the environment
    (None removes a variable); by default the cookies are signed with :data:`SESSION_SECRET`."""
    port = free_port()
    merged = child_environ({"STAFF_TOKEN": staff_token, "REDIS_URL": None, "WEB_SESSION_SECRET": SESSION_SECRET,
                            **(env or {})})
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{name}-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.web", "--port", str(port), "--rasa-url", rasa_url, *extra],
                                cwd=ROOT, env=merged, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{port}/health", proc, timeout=60)
            yield WebProcess(f"http://127.0.0.1:{port}", proc, log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def chat(base: str, body: dict | bytes, cookie: str | None = None, **headers: str) -> HttpResult:
    """``POST /api/chat``, with the conversation cookie ``cookie`` (``name=value``) if given."""
    if cookie:
        headers["Cookie"] = cookie
    return http("POST", f"{base}/api/chat", body, headers=headers)


# --- a stub Rasa REST channel, for the proxy's plain HTTP tests ----------------------------------------

@dataclass
class StubRasa:
    url: str
    received: list[dict] = field(default_factory=list)


@contextlib.contextmanager
def stub_rasa_server(answer: Callable[[dict], list[dict]] | None = None) -> Iterator[StubRasa]:
    """Answers ``slow`` after 3 s, ``boom`` with a 500, ``notjson`` with text, anything else with
    ``answer(body)`` (by default an echo and a button); every body it was sent is in ``received``."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(body)
            message = body.get("message")
            if message == "slow":
                time.sleep(3)
            if message == "boom":
                self._send(500, b'{"error": "boom"}')
                return
            if message == "notjson":
                self._send(200, b"<html>not json</html>")
                return
            replies = answer(body) if answer else [
                {"recipient_id": body["sender"], "text": f"echo: {message}"},
                {"recipient_id": body["sender"], "text": "pick one", "buttons": [{"title": "A", "payload": "/a"}]}]
            self._send(200, json.dumps(replies, ensure_ascii=False).encode())

        def _send(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StubRasa(f"http://127.0.0.1:{server.server_address[1]}", received)
    finally:
        server.shutdown()
        server.server_close()


# --- the browser ---------------------------------------------------------------------------------------

@dataclass
class PageWatch:
    """What a page did that a test should see: dialogs it opened, script errors, console errors."""

    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def script_errors(self, allow: tuple[str, ...] = ()) -> list[str]:
        """Page errors and console errors (CSP violations land there) not matching ``allow``."""
        return self.page_errors + [e for e in self.console_errors if not any(a in e for a in allow)]


def screenshot(page, name: str) -> Path:  # noqa: ANN001 - a Playwright page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
