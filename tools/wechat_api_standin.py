"""A stand-in for ``api.weixin.qq.com``: a real HTTP server on 127.0.0.1 recording what it receives.

Implements the two calls the channel makes, with the platform's request and answer shapes:

* ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` ->
  ``{"access_token": …, "expires_in": 7200}`` or ``{"errcode": 40013, "errmsg": "invalid appid"}``;
  every fetch replaces the previous token, as on the platform;
* ``POST /cgi-bin/message/custom/send?access_token=…`` with the JSON message ->
  ``{"errcode": 0, "errmsg": "ok"}``, ``40001`` for a token that is not the current one.

Knobs for failure tests: ``send_errors`` (errcodes to answer the next sends with), ``http_status``
(answer every call with this HTTP status), ``delay`` (seconds before answering), ``redirect_paths``
(answer calls to these paths with a redirect to an unparsable host, query and all, as a broken
proxy might: aiohttp's ``InvalidURL`` then quotes the whole URL, secrets included).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: bytes = b""
    answer: dict = field(default_factory=dict)

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


class FakeWeChatAPI:
    def __init__(self, appid: str, secret: str, port: int = 0) -> None:
        self.appid = appid
        self.secret = secret
        self.calls: list[Call] = []
        self.current_token: str | None = None
        self.tokens_issued = 0
        self.send_errors: list[int] = []
        self.http_status = 200
        self.delay = 0.0
        self.redirect_paths: set[str] = set()
        self._changed = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _answer(self, call: Call, answer: dict) -> None:
                if api.delay:
                    time.sleep(api.delay)
                call.answer = answer
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(api.http_status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (timeout tests)
                    self.wfile.write(data)
                with api._changed:
                    api._changed.notify_all()

            def _call(self, method: str) -> Call:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(method, parts.path, query, self.rfile.read(length) if length else b"")
                with api._changed:
                    api.calls.append(call)
                return call

            def _redirected(self, call: Call) -> bool:
                if call.path not in api.redirect_paths:
                    return False
                self.send_response(307)
                self.send_header("Location", "http://[broken-host" + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True

            def do_GET(self) -> None:
                call = self._call("GET")
                if self._redirected(call):
                    return None
                if call.path != "/cgi-bin/token":
                    return self._answer(call, {"errcode": 404, "errmsg": "not found"})
                q = call.query
                if q.get("grant_type") != "client_credential":
                    return self._answer(call, {"errcode": 40002, "errmsg": "invalid grant_type"})
                if q.get("appid") != api.appid:
                    return self._answer(call, {"errcode": 40013, "errmsg": "invalid appid"})
                if q.get("secret") != api.secret:
                    return self._answer(call, {"errcode": 40125, "errmsg": "invalid appsecret"})
                api.tokens_issued += 1
                api.current_token = f"TOKEN-{api.tokens_issued}"
                return self._answer(call, {"access_token": api.current_token, "expires_in": 7200})

            def do_POST(self) -> None:
                call = self._call("POST")
                if self._redirected(call):
                    return None
                if call.path != "/cgi-bin/message/custom/send":
                    return self._answer(call, {"errcode": 404, "errmsg": "not found"})
                if call.query.get("access_token") != api.current_token:
                    return self._answer(call, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
                if api.send_errors:
                    code = api.send_errors.pop(0)
                    return self._answer(call, {"errcode": code, "errmsg": "simulated error"})
                try:
                    msg = call.json
                    assert msg["msgtype"] == "text" and msg["touser"] and isinstance(msg["text"]["content"], str)
                except (ValueError, KeyError, TypeError, AssertionError):
                    return self._answer(call, {"errcode": 44002, "errmsg": "empty post data"})
                return self._answer(call, {"errcode": 0, "errmsg": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeWeChatAPI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_token(self) -> None:
        """The platform invalidated the token (e.g. someone else fetched a new one)."""
        self.current_token = f"EXPIRED-{self.tokens_issued}"

    # ----------------------------------------------------------------- views

    def token_fetches(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/cgi-bin/token"]

    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/cgi-bin/message/custom/send"]

    def delivered(self, openid: str | None = None) -> list[str]:
        """Texts the platform accepted (errcode 0), optionally for one user."""
        return [c.json["text"]["content"] for c in self.sends()
                if c.answer.get("errcode") == 0 and (openid is None or c.json["touser"] == openid)]

    def wait_for_sends(self, n: int, timeout: float = 30) -> list[Call]:
        """Block until at least ``n`` send calls were answered."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(1 for c in self.sends() if c.answer) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"expected {n} customer-service sends, got {len(self.sends())}")
                self._changed.wait(left)
        return self.sends()
