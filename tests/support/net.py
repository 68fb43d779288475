"""Free loopback ports, waiting for a server to answer, and plain HTTP calls that return errors as results."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from bot.web.session import COOKIE_NAME


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_block(n: int) -> int:
    """The first of ``n`` consecutive free loopback ports (the runner numbers replicas from a base port)."""
    for _ in range(200):
        base = random.randrange(20000, 60000 - n)
        if all(port_free(base + i) for i in range(n)):
            return base
    raise RuntimeError("no block of free ports")


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 120) -> None:
    """Until ``url`` answers 200; fails early when ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def session_cookie(self) -> str | None:
        """The ``name=value`` of the conversation cookie this response sets, if it sets one."""
        raw = self.headers.get("Set-Cookie", "")
        return raw.split(";", 1)[0] if raw.startswith(f"{COOKIE_NAME}=") else None


def http(method: str, url: str, body: bytes | dict | None = None, headers: dict[str, str] | None = None,
         timeout: float = 60) -> HttpResult:
    """One request; an HTTP error status is a result, not an exception."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if isinstance(body, dict):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return HttpResult(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return HttpResult(e.code, dict(e.headers), e.read())
