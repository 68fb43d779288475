"""The web front over plain HTTP, without a browser and without the trained model.

A web process with no ``STAFF_TOKEN`` (staff pages must not exist) and one with it (staff pages need it),
the chat proxy against a stub Rasa (replies, failures, timeouts) and against a port nothing listens on.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from bot.web.app import MAX_QUERY_CHARS
from lexicon.user_text import MAX_MESSAGE_CHARS
from policy_kb.citation import article_names
from tests.support.cli import run_cli
from tests.support.net import http
from tests.support.web import STAFF_TOKEN, StubRasa, chat, web_process

AUTH = {"Authorization": f"Bearer {STAFF_TOKEN}"}
WEB_SENDER_RE = re.compile(r"^web:[A-Za-z0-9_-]{32}$")


# --- pages -------------------------------------------------------------------------------------------

def test_health_pages_and_static_files_are_served_with_a_strict_policy(web_without_staff: str) -> None:
    assert http("GET", f"{web_without_staff}/health").json() == {"status": "ok"}
    page = http("GET", f"{web_without_staff}/")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode()
    assert 'role="log"' in html and 'aria-live="polite"' in html and '<label for="message"' in html
    assert "http://" not in html and "https://" not in html, "the page must not load anything from elsewhere"
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        r = http("GET", f"{web_without_staff}/static/{name}")
        assert r.status == 200 and r.headers["Content-Type"].startswith(kind)
        assert b"//cdn" not in r.body and b"googleapis" not in r.body
    for name in ("nope.js", "..%2Fapp.py", "index.html"):
        assert http("GET", f"{web_without_staff}/static/{name}").status == 404


# --- staff pages: off without a token, need it when on ------------------------------------------------

STAFF_PATHS = ("/staff", "/static/staff.js", "/api/staff/check", f"/api/staff/search?q={quote('绿卡')}",
               "/api/staff/article/18", "/api/staff/article/closing")


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_pages_do_not_exist_without_a_configured_token(web_without_staff: str, path: str) -> None:
    assert http("GET", web_without_staff + path).status == 404
    assert http("GET", web_without_staff + path, headers=AUTH).status == 404


def test_staff_page_is_served_when_a_token_is_configured(web_with_staff: str) -> None:
    page = http("GET", f"{web_with_staff}/staff")
    assert page.status == 200 and b'id="login-form"' in page.body and b'type="password"' in page.body
    assert http("GET", f"{web_with_staff}/static/staff.js").status == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": STAFF_TOKEN},
                                     {"Authorization": f"Basic {STAFF_TOKEN}"},
                                     {"Authorization": f"Bearer {STAFF_TOKEN}x"}])
def test_staff_api_refuses_a_missing_or_wrong_token(web_with_staff: str, headers: dict) -> None:
    for path in STAFF_PATHS[2:]:
        r = http("GET", web_with_staff + path, headers=headers)
        assert r.status == 401, path
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.json()["error"] == "unauthorized" and r.json()["message"]["zh"] and r.json()["message"]["en"]


def test_staff_search_is_the_faq_command(web_with_staff: str) -> None:
    for query, lang, top in (("绿卡有什么用", None, 3), ("How much is the Friendship Award?", None, 2),
                             ("友谊奖奖金多少", "en", 3), ("what is the weather on mars", None, 3)):
        url = f"{web_with_staff}/api/staff/search?q={quote(query)}&top={top}" + (f"&lang={lang}" if lang else "")
        r = http("GET", url, headers=AUTH)
        assert r.status == 200, r.body
        cli = json.loads(run_cli("faq", "--json", "--top", str(top), *(["--lang", lang] if lang else []), query).stdout)
        web = r.json()
        for result in web["results"]:  # the page's one addition: the names it shows the article by
            assert result.pop("name") == article_names(result["article"]), query
        assert web == cli, query
    first = http("GET", f"{web_with_staff}/api/staff/search?q={quote('绿卡有什么用')}", headers=AUTH).json()
    assert first["results"][0]["article"] == 18 and first["results"][0]["answer"].endswith("（依据：第十八条）")
    assert first["results"][0]["name"] == {"zh": "第十八条", "en": "Article 18"}


def test_staff_article_gives_the_full_text_in_both_languages(web_with_staff: str) -> None:
    from policy_kb.db import open_kb

    kb = open_kb()
    for ref, number in (("14", 14), ("closing", None)):
        r = http("GET", f"{web_with_staff}/api/staff/article/{ref}", headers=AUTH)
        assert r.status == 200
        doc = r.json()
        article = kb.article(number)
        assert doc["article"] == number and doc["ref"] == ref
        assert doc["text"] == {"zh": article.text.zh, "en": article.text.en}
        assert doc["title"] == {"zh": article.title.zh, "en": article.title.en}
        assert [u["zh"] for u in doc["units"]] == list(article.units_zh)
        assert all(u["en"] == kb.units[u["zh"]].en for u in doc["units"])
    assert http("GET", f"{web_with_staff}/api/staff/article/14", headers=AUTH).json()["name"] == {
        "zh": "第十四条", "en": "Article 14"}


@pytest.mark.parametrize("query, code", [
    ("q=", "empty_query"), ("q=%20%20", "empty_query"), ("", "empty_query"),
    ("q=" + "a" * (MAX_QUERY_CHARS + 1), "query_too_long"),
    ("q=green&lang=fr", "bad_lang"), ("q=green&top=0", "bad_top"), ("q=green&top=26", "bad_top"),
    ("q=green&top=abc", "bad_top"),
])
def test_staff_search_refuses_bad_input_with_a_message(web_with_staff: str, query: str, code: str) -> None:
    r = http("GET", f"{web_with_staff}/api/staff/search?{query}", headers=AUTH)
    assert r.status == 400 and r.json()["error"] == code
    assert r.json()["message"]["zh"] and r.json()["message"]["en"]


@pytest.mark.parametrize("ref", ["0", "26", "abc", "１", "-1"])
def test_staff_article_refuses_unknown_articles(web_with_staff: str, ref: str) -> None:
    r = http("GET", f"{web_with_staff}/api/staff/article/{quote(ref)}", headers=AUTH)
    assert r.status == 404 and r.json()["error"] == "no_article"


def test_staff_query_limit_is_the_search_limit() -> None:
    from policy_kb.search import MAX_QUERY_CHARS as SEARCH_LIMIT

    assert MAX_QUERY_CHARS == SEARCH_LIMIT


# --- the chat proxy --------------------------------------------------------------------------------

def test_chat_proxy_passes_messages_and_replies_through(web_with_staff: str, stub_rasa: StubRasa) -> None:
    r = chat(web_with_staff, {"message": "你好 <b>hi</b>"})
    assert r.status == 200
    assert r.json() == [{"text": "echo: 你好 <b>hi</b>"},
                        {"text": "pick one", "buttons": [{"title": "A", "payload": "/a"}]}]
    sender = stub_rasa.received[-1]["sender"]
    assert WEB_SENDER_RE.match(sender) and stub_rasa.received[-1]["message"] == "你好 <b>hi</b>"
    assert r.headers["Cache-Control"] == "no-store"


def test_the_server_issues_the_conversation_id_in_a_signed_cookie(web_with_staff: str, stub_rasa: StubRasa) -> None:
    first = chat(web_with_staff, {"message": "one"})
    cookie = first.session_cookie
    assert cookie, "the first message gets a conversation cookie"
    attributes = first.headers["Set-Cookie"].lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    sender = stub_rasa.received[-1]["sender"]
    again = chat(web_with_staff, {"message": "two"}, cookie=cookie)
    assert again.status == 200 and again.session_cookie is None, "a valid cookie is kept, not replaced"
    assert stub_rasa.received[-1]["sender"] == sender
    other = chat(web_with_staff, {"message": "three"})
    assert stub_rasa.received[-1]["sender"] != sender and other.session_cookie != cookie


@pytest.mark.parametrize("body, code", [
    (b"not json", "bad_request"), (b"[1, 2]", "bad_request"), ({"sender": "x"}, "bad_request"),
    ({"message": 5}, "bad_request"),
    ({"message": ""}, "empty_message"), ({"message": " \n\t "}, "empty_message"),
    ({"message": "\x00\x07\ud800"}, "empty_message"),
    ({"message": "长" * (MAX_MESSAGE_CHARS + 1)}, "message_too_long"),
])
def test_chat_refuses_bad_input_with_a_message(web_with_staff: str, stub_rasa: StubRasa, body, code: str) -> None:
    before = len(stub_rasa.received)
    r = chat(web_with_staff, body)
    assert r.status == 400 and r.json()["error"] == code
    assert r.json()["message"]["zh"] and r.json()["message"]["en"]
    assert len(stub_rasa.received) == before, "nothing invalid reaches Rasa"


def test_chat_refuses_a_huge_body(web_with_staff: str) -> None:
    r = chat(web_with_staff, json.dumps({"message": "a" * 100_000}).encode(), **{"Content-Type": "application/json"})
    assert r.status == 413 and r.json()["error"] == "body_too_large"


def test_chat_says_clearly_when_rasa_cannot_be_reached(web_without_staff: str) -> None:
    r = chat(web_without_staff, {"message": "绿卡有什么用"})
    assert r.status == 502
    assert r.json()["error"] == "rasa_unreachable"
    assert "无法连接" in r.json()["message"]["zh"] and "cannot be reached" in r.json()["message"]["en"]


@pytest.mark.parametrize("message, status, code", [("slow", 504, "rasa_timeout"), ("boom", 502, "rasa_error"),
                                                    ("notjson", 502, "rasa_error")])
def test_chat_reports_a_failing_or_slow_rasa(web_with_staff: str, message: str, status: int, code: str) -> None:
    r = chat(web_with_staff, {"message": message})
    assert r.status == status and r.json()["error"] == code


def test_conversation_ids_survive_a_restart_through_the_generated_key_file(tmp_path, stub_rasa: StubRasa) -> None:
    key = tmp_path / "var" / "web_session.key"
    options = ("--session-secret-file", str(key))
    with web_process(stub_rasa.url, None, *options, name="web-keyfile", env={"WEB_SESSION_SECRET": None}) as web:
        first = chat(web.url, {"message": "hi"})
        sender = stub_rasa.received[-1]["sender"]
    assert key.stat().st_mode & 0o777 == 0o600, "the key is readable by its owner only"
    written = key.read_bytes()
    with web_process(stub_rasa.url, None, *options, name="web-keyfile", env={"WEB_SESSION_SECRET": None}) as web:
        again = chat(web.url, {"message": "still me"}, cookie=first.session_cookie)
        assert again.status == 200 and again.session_cookie is None
        assert stub_rasa.received[-1]["sender"] == sender
    assert key.read_bytes() == written, "generated once, never overwritten"
    with web_process(stub_rasa.url, None, name="web-otherkey") as web:  # another key: the old cookie is a stranger
        assert chat(web.url, {"message": "hi"}, cookie=first.session_cookie).session_cookie
        assert stub_rasa.received[-1]["sender"] != sender


def test_a_short_session_secret_is_refused_at_start_up(stub_rasa: StubRasa) -> None:
    with pytest.raises(RuntimeError, match="exited"), \
            web_process(stub_rasa.url, None, name="web-shortsecret", env={"WEB_SESSION_SECRET": "too-short"}):
        pass


def test_nothing_is_shared_with_other_origins(web_with_staff: str) -> None:
    evil = {"Origin": "https://evil.example"}
    for method, path, body in (("GET", "/", None), ("POST", "/api/chat", {"message": "hi"}),
                               ("OPTIONS", "/api/chat", None), ("GET", "/api/staff/check", None)):
        r = http(method, web_with_staff + path, body, headers={**evil, **AUTH,
                                                             "Access-Control-Request-Method": "POST"})
        assert not any(h.lower().startswith("access-control-") for h in r.headers), (method, path, r.headers)
