"""Fixtures for the web front: web processes on free ports, a stub Rasa, the whole stack, Chromium.

The browser tests drive Debian's Chromium (``/usr/bin/chromium``, installed by ``apt-get install -y
chromium``) through Playwright's sync API. The whole stack (action server, Rasa, web) is started once
per session with :func:`bot.runner.running` on free ports, with ``STAFF_TOKEN`` set for the web process.
Screenshots go to ``test-results/screenshots/`` and service logs to ``test-results/logs/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.web.session import COOKIE_NAME
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RESULTS = ROOT / "test-results"
SCREENSHOTS = RESULTS / "screenshots"
LOGS = RESULTS / "logs"
STAFF_TOKEN = f"staff-{secrets.token_urlsafe(24)}"
#: Signs the test web processes' conversation cookies (so tests never write var/web_session.key).
SESSION_SECRET = secrets.token_urlsafe(48)
#: How long a browser test waits for the assistant (the first turn after start-up warms the models).
REPLY_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


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
    merged = {k: v for k, v in os.environ.items() if k not in ("STAFF_TOKEN", "REDIS_URL")}
    merged["WEB_SESSION_SECRET"] = SESSION_SECRET
    if staff_token:
        merged["STAFF_TOKEN"] = staff_token
    for k, v in (env or {}).items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
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


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


    @property
    def session_cookie(self) -> str | None:
        """The ``name=value`` of the conversation cookie this response sets, if it sets one."""
        raw = self.headers.get("Set-Cookie", "")
        return raw.split(";", 1)[0] if raw.startswith(f"{COOKIE_NAME}=") else None


def http(method: str, url: str, body: bytes | dict | None = None, headers: dict[str, str] | None = None,
         timeout: float = 60) -> HttpResult:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if isinstance(body, dict):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return HttpResult(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return HttpResult(e.code, dict(e.headers), e.read())


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


@pytest.fixture(scope="module", name="stub_rasa")  # the function's own name lets other packages import it
def stub_rasa_fixture() -> Iterator[StubRasa]:
    """Answers ``slow`` after 3 s, ``boom`` with a 500, ``notjson`` with text, anything else with two replies."""
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
            replies = [{"recipient_id": body["sender"], "text": f"echo: {message}"},
                       {"recipient_id": body["sender"], "text": "pick one",
                        "buttons": [{"title": "A", "payload": "/a"}]}]
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


@pytest.fixture(scope="module")
def dead_rasa_url() -> str:
    """A port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def web_without_staff(dead_rasa_url: str) -> Iterator[str]:
    """A web process with no STAFF_TOKEN whose Rasa cannot be reached."""
    with web_process(dead_rasa_url, None, name="web-nostaff") as web:
        yield web.url


@pytest.fixture(scope="module")
def web_with_staff(stub_rasa: StubRasa) -> Iterator[str]:
    """A web process with STAFF_TOKEN, a 1-second chat timeout, talking to the stub Rasa."""
    build_kb()
    with web_process(stub_rasa.url, STAFF_TOKEN, "--timeout", "1", name="web-staff",
                     env={"WEB_RATE_LIMIT": "1000"}) as web:
        yield web.url


# --- the whole stack and the browser -------------------------------------------------------------------

@dataclass
class Stack:
    web_url: str
    rest_url: str


@pytest.fixture(scope="package", name="stack")  # the function's own name lets other packages import it
def stack_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Action server, Rasa (the trained model: trains first only if the data changed) and the web front."""
    from bot.runner import Services, running

    build_kb()
    saved = {k: os.environ.get(k) for k in ("STAFF_TOKEN", "TRACKER_SQLITE_PATH", "APPOINTMENTS_DATABASE_URL",
                                            "WEB_SESSION_SECRET", "KB_STAFF_VARIANTS")}
    state = tmp_path_factory.mktemp("web-stack")
    os.environ["STAFF_TOKEN"] = STAFF_TOKEN
    os.environ["WEB_SESSION_SECRET"] = SESSION_SECRET
    os.environ["TRACKER_SQLITE_PATH"] = str(state / "tracker.sqlite3")
    os.environ["APPOINTMENTS_DATABASE_URL"] = f"sqlite:///{state / 'appointments.sqlite3'}"
    os.environ["KB_STAFF_VARIANTS"] = str(state / "questions_staff.yml")  # staff attach here, not in the repo
    services = Services(rasa_port=free_port(), action_port=free_port(), web_port=free_port(), log_dir=LOGS)
    try:
        with running(services):
            yield Stack(f"http://127.0.0.1:{services.web_port}", services.rest_url)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="package")  # Playwright's sync API keeps an event loop running until it stops:
def browser():                     # stop it before other packages' tests call asyncio.run()
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageWatch:
    """What a page did that a test should see: dialogs it opened, script errors, console errors."""

    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def script_errors(self, allow: tuple[str, ...] = ()) -> list[str]:
        """Page errors and console errors (CSP violations land there) not matching ``allow``."""
        return self.page_errors + [e for e in self.console_errors if not any(a in e for a in allow)]


@pytest.fixture
def open_page(browser) -> Iterator[Callable]:
    """``open_page(url, locale="zh-CN", **context_options) -> (page, watch)``: a fresh browser profile each time
    (so a fresh conversation id)."""
    contexts = []

    def _open(url: str, locale: str = "zh-CN", **options):
        context = browser.new_context(locale=locale, **{"viewport": {"width": 1100, "height": 850}, **options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = PageWatch()

        def on_dialog(dialog) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        page.on("console", lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None)
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        return page, watch

    yield _open
    for c in contexts:
        c.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
