"""Attacks on the running web front (``python -m bot.web``) and on Rasa's own REST port, as issue 12 found them.

The web front runs as a real process; where a test must see exactly which conversation a request
landed in, its Rasa is the recording stub of ``tests/web`` (every sender Rasa is asked for is in
``stub_rasa.received``). Rasa's REST port is attacked on the whole stack, with the trained model, and
the tracker store is read directly to see what was kept.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import zlib
from collections.abc import Iterator
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from bot.web.session import COOKIE_NAME
from lexicon.user_text import MAX_MESSAGE_CHARS
from tests.support.locations import REDIS_URL
from tests.support.net import HttpResult, http
from tests.support.web import STAFF_TOKEN, StubRasa, WebProcess, chat, web_process

WEB_SENDER_RE = re.compile(r"^web:[A-Za-z0-9_-]{32}$")
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"  # the shape of a WeChat openid (28 characters)
RATE_LIMIT = 5
NEW_CONVERSATION_LIMIT = 3
#: How much a refused compressed body may raise the front's peak memory (it used to inflate it: +440 MB).
MAX_RSS_GROWTH_KIB = 20 * 1024


@pytest.fixture(scope="module")
def front(stub_rasa: StubRasa) -> Iterator[WebProcess]:
    with web_process(stub_rasa.url, STAFF_TOKEN, name="security-web",
                     env={"WEB_RATE_LIMIT": str(RATE_LIMIT), "WEB_NEW_CONVERSATION_LIMIT": "1000"}) as web:
        yield web


@pytest.fixture
def fresh_front(stub_rasa: StubRasa) -> Iterator[WebProcess]:
    """A web front no other test has used: its peak memory then measures this request alone. Without a
    staff token, as with one the front loads the KB for the staff search in the background (about 150 MB,
    the spaCy import) and the peak could grow with that, not the request, while the test runs."""
    with web_process(stub_rasa.url, None, name="security-web-fresh") as web:
        yield web


def _sender_of(stub: StubRasa, r: HttpResult) -> str:
    assert r.status == 200, r.body
    return stub.received[-1]["sender"]


def _raw(base: str, method: str, path: str, headers: dict[str, str | bytes], body=None,
         chunked: bool = False) -> HttpResult:
    """One request with headers sent byte for byte (urllib would refuse or re-encode them)."""
    url = urlsplit(base)
    conn = HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        elif body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if chunked:
            for part in body:
                conn.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            conn.send(b"0\r\n\r\n")
        elif body is not None:
            conn.send(body)
        r = conn.getresponse()
        return HttpResult(r.status, dict(r.headers), r.read())
    finally:
        conn.close()


def _polite(r: HttpResult, status: int, code: str) -> None:
    assert r.status == status, (r.status, r.body[:200])
    doc = r.json()
    assert doc["error"] == code and doc["message"]["zh"] and doc["message"]["en"]


# --- finding 6 and the client-chosen ids of finding 3: nobody picks a conversation ---------------------

def test_a_forged_cookie_never_opens_another_conversation(front: WebProcess, stub_rasa: StubRasa) -> None:
    victim = chat(front.url, {"message": "我叫张伟，电话 13800138000"})
    victim_cookie = victim.session_cookie
    assert victim_cookie, "the victim's conversation id comes from the server"
    victim_sender = _sender_of(stub_rasa, victim)
    victim_id, _, victim_sig = victim_cookie.partition("=")[2].partition(".")
    own_sig = chat(front.url, {"message": "hi"}).session_cookie.partition(".")[2]
    forgeries = [victim_id, f"{victim_id}.{'A' * 43}", f"{victim_id}.{own_sig}", f"{victim_id}.{victim_sig[:-1]}",
                 f"web:{victim_id}", victim_sender, f"{victim_id}.{victim_sig}.x"]
    for forged in forgeries:
        r = chat(front.url, {"message": "我叫什么名字？"}, cookie=f"{COOKIE_NAME}={forged}")
        landed = _sender_of(stub_rasa, r)
        assert landed != victim_sender and WEB_SENDER_RE.match(landed), forged
        assert r.session_cookie and r.session_cookie != victim_cookie, "a forged cookie gets a conversation of its own"
    assert _sender_of(stub_rasa, chat(front.url, {"message": "还在吗"}, cookie=victim_cookie)) == victim_sender


def test_a_sender_in_the_body_is_ignored(front: WebProcess, stub_rasa: StubRasa) -> None:
    victim_sender = _sender_of(stub_rasa, chat(front.url, {"message": "hello"}))
    for chosen in (victim_sender, victim_sender.removeprefix("web:"), "3f1c2b9a-6d7e-4f10-9a2b-0c1d2e3f4a5b"):
        landed = _sender_of(stub_rasa, chat(front.url, {"sender": chosen, "message": "my bookings"}))
        assert landed != victim_sender and landed != chosen and WEB_SENDER_RE.match(landed)


def test_a_wechat_openid_acts_as_nobody_on_the_web(front: WebProcess, stub_rasa: StubRasa) -> None:
    attempts = [({"sender": OPENID, "message": "我的预约"}, None),
                ({"sender": f"wx:{OPENID}", "message": "我的预约"}, None),
                ({"message": "我的预约"}, f"{COOKIE_NAME}={OPENID}"),
                ({"message": "我的预约"}, f"{COOKIE_NAME}=wx:{OPENID}")]
    for body, cookie in attempts:
        landed = _sender_of(stub_rasa, chat(front.url, body, cookie=cookie))
        assert WEB_SENDER_RE.match(landed) and OPENID not in landed, (body, cookie)


# --- finding 7: unbounded, compressed and garbage input ------------------------------------------------

def test_an_oversized_body_gets_a_polite_413(front: WebProcess, stub_rasa: StubRasa) -> None:
    before = len(stub_rasa.received)
    body = json.dumps({"message": "长" * 400_000}).encode()
    _polite(_raw(front.url, "POST", "/api/chat", {"Content-Type": "application/json"}, body), 413, "body_too_large")
    chunks = [b'{"message": "', *[b"a" * 8192] * 64, b'"}']  # no Content-Length: refused while reading
    r = _raw(front.url, "POST", "/api/chat", {"Content-Type": "application/json"}, chunks, chunked=True)
    _polite(r, 413, "body_too_large")
    _polite(chat(front.url, {"message": "长" * (MAX_MESSAGE_CHARS + 1)}), 400, "message_too_long")
    assert len(stub_rasa.received) == before


def _bomb(wbits: int, inflated: int = 256 << 20) -> bytes:
    """``inflated`` bytes of JSON-ish zeros, compressed (gzip: wbits 31, zlib/deflate: wbits 15)."""
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    chunk = bytes(1 << 20)
    parts = [c.compress(b'{"message": "')] + [c.compress(chunk) for _ in range(inflated >> 20)]
    return b"".join([*parts, c.compress(b'"}'), c.flush()])


@pytest.mark.parametrize("encoding, wbits", [("gzip", 31), ("deflate", 15)])
def test_a_compressed_body_is_refused_before_it_is_inflated(fresh_front: WebProcess, stub_rasa: StubRasa,
                                                            encoding: str, wbits: int) -> None:
    front = fresh_front
    bomb = _bomb(wbits)
    before, received = front.peak_rss_kib(), len(stub_rasa.received)
    r = _raw(front.url, "POST", "/api/chat", {"Content-Type": "application/json", "Content-Encoding": encoding}, bomb)
    _polite(r, 415, "compressed_body")
    growth = front.peak_rss_kib() - before
    assert growth < MAX_RSS_GROWTH_KIB, f"peak memory grew by {growth // 1024} MB for a {len(bomb) // 1024} KB body"
    assert len(stub_rasa.received) == received
    assert http("GET", f"{front.url}/health").status == 200


def test_control_characters_and_lone_surrogates_never_reach_rasa(front: WebProcess, stub_rasa: StubRasa) -> None:
    r = chat(front.url, {"message": "\x00绿卡\x07有什么用\ud800\x1b[2J？\u200d\n"})
    assert r.status == 200, r.body
    assert stub_rasa.received[-1]["message"] == "绿卡有什么用[2J？\u200d"
    before = len(stub_rasa.received)
    _polite(chat(front.url, {"message": "\x00\x01\udfff\x7f"}), 400, "empty_message")
    assert len(stub_rasa.received) == before


@pytest.mark.parametrize("path, headers", [
    ("/api/staff/check", {"Authorization": b"Bearer \xff\xfe\xfd"}),                 # not UTF-8
    ("/api/staff/check", {"Authorization": "Bearer 令牌".encode()}),                 # UTF-8, not ASCII
    ("/api/staff/search?q=x", {"Authorization": b"Bearer " + STAFF_TOKEN.encode() + b"\xa0"}),
    ("/api/chat", {"Cookie": f"{COOKIE_NAME}=".encode() + b"\xc3\x28", "Content-Type": "application/json"}),
    ("/api/chat", {"Cookie": "会话=1".encode(), "Content-Type": "application/json"}),
])
def test_malformed_headers_get_a_400(front: WebProcess, stub_rasa: StubRasa, path: str, headers: dict) -> None:
    before = len(stub_rasa.received)
    body = b'{"message": "hi"}' if path == "/api/chat" else None
    _polite(_raw(front.url, "POST" if body else "GET", path, headers, body), 400, "bad_header")
    assert len(stub_rasa.received) == before
    assert "Traceback" not in front.log.read_text(encoding="utf-8", errors="replace")


def test_cookies_python_finds_illegal_are_no_500(front: WebProcess, stub_rasa: StubRasa) -> None:
    """``http.cookies`` raises on names like ``a(b``, which another app on this host may set: only ours counts."""
    victim = chat(front.url, {"message": "hi"})
    victim_sender = _sender_of(stub_rasa, victim)
    r = chat(front.url, {"message": "hi again"}, cookie=f"a(b=c; {{=}}; {victim.session_cookie}")
    assert r.status == 200 and r.session_cookie is None and stub_rasa.received[-1]["sender"] == victim_sender
    r = chat(front.url, {"message": "hi"}, cookie="x@y=1")
    assert r.status == 200 and r.session_cookie
    assert http("GET", f"{front.url}/", headers={"Cookie": "a(b=c"}).status == 200


# --- finding 3: flooding -------------------------------------------------------------------------------

def test_one_conversation_flooding_gets_429(front: WebProcess, stub_rasa: StubRasa) -> None:
    first = chat(front.url, {"message": "1"})
    cookie = first.session_cookie
    before = len(stub_rasa.received)
    statuses = [chat(front.url, {"message": str(i)}, cookie=cookie).status for i in range(RATE_LIMIT + 3)]
    assert statuses == [200] * (RATE_LIMIT - 1) + [429] * 4
    assert len(stub_rasa.received) == before + RATE_LIMIT - 1, "refused messages never reach Rasa"
    r = chat(front.url, {"message": "again"}, cookie=cookie)
    _polite(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0 and "秒" in r.json()["message"]["zh"]
    assert _sender_of(stub_rasa, chat(front.url, {"message": "someone else"})) != stub_rasa.received[before]["sender"]


def test_the_limit_holds_across_workers_sharing_redis(stub_rasa: StubRasa) -> None:
    """Two web workers with one REDIS_URL count one conversation's messages together."""
    env = {"WEB_RATE_LIMIT": str(RATE_LIMIT), "REDIS_URL": REDIS_URL}
    with web_process(stub_rasa.url, name="security-web-redis-a", env=env) as a, \
            web_process(stub_rasa.url, name="security-web-redis-b", env=env) as b:
        cookie = chat(a.url, {"message": "0"}).session_cookie
        statuses = [chat((a, b)[i % 2].url, {"message": str(i)}, cookie=cookie).status for i in range(1, 8)]
    assert statuses == [200] * (RATE_LIMIT - 1) + [429] * 3


def test_new_conversations_from_one_address_are_limited(stub_rasa: StubRasa) -> None:
    """Dropping the cookie to get a fresh limit does not help: new ids per client address are counted too."""
    with web_process(stub_rasa.url, name="security-web-new",
                     env={"WEB_NEW_CONVERSATION_LIMIT": str(NEW_CONVERSATION_LIMIT)}) as web:
        statuses = [chat(web.url, {"message": "hi"}).status for _ in range(NEW_CONVERSATION_LIMIT + 2)]
        assert statuses == [200] * NEW_CONVERSATION_LIMIT + [429, 429]
        _polite(chat(web.url, {"message": "hi"}), 429, "rate_limited")


# --- finding 10: the staff token ------------------------------------------------------------------------

def test_a_short_staff_token_keeps_the_staff_pages_off(stub_rasa: StubRasa) -> None:
    short = "staff-2026-abc"  # 14 characters
    with web_process(stub_rasa.url, short, name="security-web-short-token") as web:
        for path in ("/staff", "/static/staff.js", "/api/staff/check", "/api/staff/search?q=green"):
            assert http("GET", web.url + path, headers={"Authorization": f"Bearer {short}"}).status == 404, path
        log = web.log.read_text(encoding="utf-8")
    assert "STAFF_TOKEN" in log and "off" in log, "the operator is told why"
    assert short not in log, "the token itself is never logged"


# --- finding 7 on Rasa's own REST port --------------------------------------------------------------------

def _rest(stack, body: dict) -> list[dict]:
    r = http("POST", stack.rest_url, body, timeout=120)
    assert r.status == 200, r.body[:300]
    return r.json()


def _user_texts(sender: str) -> list[str]:
    with sqlite3.connect(os.environ["TRACKER_SQLITE_PATH"]) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


@pytest.mark.usefixtures("stack_environ")  # _user_texts reads the stack's tracker file
def test_rasa_rest_port_caps_and_cleans_text_itself(stack) -> None:
    long = _rest(stack, {"sender": "sec-rest-long", "message": "绿卡" * 3000})
    assert len(long) == 1 and str(MAX_MESSAGE_CHARS) in long[0]["text"] and "太长" in long[0]["text"]
    assert _user_texts("sec-rest-long") == [], "an oversized message never reaches the tracker"

    empty = _rest(stack, {"sender": "sec-rest-empty", "message": "\x00\x07 \ud800"})
    assert len(empty) == 1 and "不能为空" in empty[0]["text"], "a polite answer, not silence"
    assert _user_texts("sec-rest-empty") == []

    answer = _rest(stack, {"sender": "sec-rest-dirty", "message": "\x00绿卡\x1b[31m有什么用\ud800"})
    assert any("（依据：第十八条）" in m.get("text", "") for m in answer), answer
    assert _user_texts("sec-rest-dirty") == ["绿卡[31m有什么用"]

    english = _rest(stack, {"sender": "sec-rest-en", "message": "What is the green card for? " * 50})
    assert "too long" in english[0]["text"]


@pytest.mark.usefixtures("stack_environ")  # _user_texts reads the stack's tracker file
def test_rasa_rest_port_has_no_shared_default_conversation(stack) -> None:
    for body in ({"message": "绿卡有什么用"}, {"sender": None, "message": "绿卡有什么用"},
                 {"sender": "bad\x00id", "message": "绿卡有什么用"}, {"sender": "x" * 500, "message": "绿卡有什么用"}):
        replies = _rest(stack, body)
        assert len(replies) == 1 and "（依据" not in replies[0]["text"], body
    assert _user_texts("default") == [] and _user_texts("bad\x00id") == []
