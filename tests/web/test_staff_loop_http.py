"""The article page, the 👍/👎 votes and the staff API of the staff loop, over HTTP against a real web process.

The web process talks to a stub Rasa that answers like ``action_answer_policy`` does (a cited answer with its
"查看原文" button), and writes to this run's KB database and a staff-variants file of the test's own.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.web.article import render_article
from policy_kb.article_link import read_article_button
from policy_kb.db import make_engine
from policy_kb.source import Bilingual, load_source
from policy_kb.unanswered import UnansweredStore
from tests.support.net import http
from tests.support.web import STAFF_TOKEN, WebProcess, build_kb, chat, stub_rasa_server, web_process

QUESTION = "我叫张伟，电话13800138000，山西的老外多不多"


@pytest.fixture(scope="module")
def policy_rasa() -> Iterator[str]:
    """Answers every message with a cited answer of article 8 and its buttons, as the policy action does."""

    def cited(body: dict) -> list[dict]:
        return [{"recipient_id": body["sender"], "text": "……（依据：第八条）",
                 "buttons": [{"title": "转人工", "payload": "/handoff"}, read_article_button(8, "zh", "查看原文")]}]

    with stub_rasa_server(cited) as stub:
        yield stub.url


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("staff-variants") / "questions_staff.yml"


@pytest.fixture(scope="module")
def web_proc(policy_rasa: str, variants: Path) -> Iterator[WebProcess]:
    build_kb()
    with web_process(policy_rasa, STAFF_TOKEN, name="web-staffloop",
                     env={"KB_STAFF_VARIANTS": str(variants), "WEB_RATE_LIMIT": "1000"}) as w:
        yield w


@pytest.fixture(scope="module")
def web(web_proc: WebProcess) -> str:
    return web_proc.url


@pytest.fixture
def store() -> Iterator[UnansweredStore]:
    s = UnansweredStore(make_engine())
    yield s
    s.engine.dispose()


STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}


# --- the article page ------------------------------------------------------------------------------------

def test_article_page_shows_the_verbatim_text_and_its_english_rendering(web: str) -> None:
    kb = load_source()
    a = kb.article(6)
    r = http("GET", f"{web}/article/6")
    page = r.body.decode()
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert '<html lang="zh-CN">' in page and "第六条　" + a.title.zh in page
    for line in a.text.zh.splitlines() + a.text.en.splitlines():
        assert html.escape(line.strip()) in page
    assert page.index('id="text-zh"') < page.index('id="text-en"')
    english = http("GET", f"{web}/article/6?lang=en").body.decode()
    assert '<html lang="en">' in english and english.index('id="text-en"') < english.index('id="text-zh"')
    assert "Article 6: " + a.title.en in english
    closing = http("GET", f"{web}/article/closing")
    assert closing.status == 200 and html.escape(kb.article(None).text.zh) in closing.body.decode()


@pytest.mark.parametrize("ref", ["0", "26", "99", "<script>alert(1)</script>", "6abc", "%E5%85%AD"])
def test_an_unknown_article_gets_a_polite_404_in_both_languages(web: str, ref: str) -> None:
    r = http("GET", f"{web}/article/{ref}")
    page = r.body.decode()
    assert r.status == 404 and r.headers["Content-Type"].startswith("text/html")
    assert "没有找到这一条" in page and "The policy has Articles 1 to 25" in page
    assert "<script>" not in page


def test_the_article_page_escapes_what_the_kb_holds() -> None:
    kb = load_source()
    evil = dataclasses.replace(kb.article(6), text=Bilingual('<script>alert("zh")</script>\n第二段', "<img src=x onerror=alert(1)>"),
                               title=Bilingual("<b>标题</b>", "<i>Title</i>"))
    forged = dataclasses.replace(kb, articles=tuple(evil if a.number == 6 else a for a in kb.articles))
    page = render_article(forged, 6, "zh").text
    assert "<script>" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&quot;zh&quot;)&lt;/script&gt;" in page and "<p>第二段</p>" in page


# --- 👍 / 👎 ---------------------------------------------------------------------------------------------

def test_a_policy_answer_carries_a_vote_and_thumbs_down_keeps_the_question_masked(web: str, store: UnansweredStore) -> None:
    r = chat(web, {"message": QUESTION})
    cookie = r.session_cookie
    (reply,) = r.json()
    assert r.status == 200 and isinstance(reply["feedback"], str)
    assert reply["buttons"][-1]["url"] == "/article/8?lang=zh"
    before = {q.id for q in store.questions(None)}

    up = http("POST", f"{web}/api/feedback", {"token": reply["feedback"], "vote": "up"}, headers={"Cookie": cookie})
    assert up.status == 200 and up.json()["message"]["zh"].startswith("谢谢")
    assert {q.id for q in store.questions(None)} == before  # 👍 keeps nothing

    down = http("POST", f"{web}/api/feedback", {"token": reply["feedback"], "vote": "down"}, headers={"Cookie": cookie})
    assert down.status == 200
    (kept,) = [q for q in store.questions(None) if q.id not in before]
    assert (kept.reason, kept.channel, kept.answered, kept.lang) == ("unhelpful", "web", "8", "zh")
    assert "13800138000" not in kept.text and "张伟" not in kept.text and "山西的老外多不多" in kept.text


def test_a_vote_needs_its_own_conversation_and_a_token_made_here(web: str) -> None:
    mine = chat(web, {"message": "绿卡有什么用"})
    token = mine.json()[0]["feedback"]
    other = chat(web, {"message": "你好"}).session_cookie
    assert http("POST", f"{web}/api/feedback", {"token": token, "vote": "down"}).status == 403
    assert http("POST", f"{web}/api/feedback", {"token": token, "vote": "down"}, headers={"Cookie": other}).status == 400
    body, _, _ = token.partition(".")
    for bad in ({"token": body + ".AAAA", "vote": "down"}, {"token": token, "vote": "sideways"}, {"token": 7},
                {"token": "x" * 9000, "vote": "up"}):
        assert http("POST", f"{web}/api/feedback", bad, headers={"Cookie": mine.session_cookie}).status == 400
    assert "feedback" not in chat(web, {"message": "/handoff"}, cookie=mine.session_cookie).json()[0]


# --- the staff API -----------------------------------------------------------------------------------------

def test_staff_api_needs_the_token(web: str) -> None:
    assert http("GET", f"{web}/api/staff/unanswered").status == 401
    assert http("POST", f"{web}/api/staff/unanswered/attach", {"id": 1, "article": "6"}).status == 401
    assert http("POST", f"{web}/api/staff/unanswered/dismiss", {"ids": [1]}).status == 401


def test_staff_list_attach_and_dismiss(web: str, store: UnansweredStore, variants: Path) -> None:
    a = store.record("洋大拿落户的话给多少安家费呀", "not_found", "web", "c1")
    b = store.record("洋大拿落户的话给多少安家费", "low_confidence", "wechat", "c2", answered=2)
    c = store.record("太原哪里能买到进口奶粉", "not_found", "web", "c3")
    listing = http("GET", f"{web}/api/staff/unanswered", headers=STAFF).json()
    groups = {tuple(sorted(g["ids"])): g for g in listing["groups"]}
    assert tuple(sorted((a, b))) in groups and (c,) in groups
    assert groups[tuple(sorted((a, b)))]["count"] == 2
    assert len(listing["articles"]) == 26 and listing["articles"][5]["name"]["zh"] == "第六条"

    head = groups[tuple(sorted((a, b)))]["ids"][0]
    rest = [i for i in (a, b) if i != head]
    assert http("POST", f"{web}/api/staff/unanswered/attach", {"id": head, "article": "99"}, headers=STAFF).status == 404
    assert http("POST", f"{web}/api/staff/unanswered/attach", {"id": 10**9, "article": "6"}, headers=STAFF).status == 404
    assert http("POST", f"{web}/api/staff/unanswered/attach", {"id": "1", "article": "6"}, headers=STAFF).status == 400
    ok = http("POST", f"{web}/api/staff/unanswered/attach", {"id": head, "article": "6", "ids": rest}, headers=STAFF)
    assert ok.status == 200 and ok.json()["file"] == "questions_staff.yml"
    entries = yaml.safe_load(variants.read_text(encoding="utf-8"))["questions"]
    assert {"article": 6, "zh": [store.get(head).text]} in entries
    assert store.get(a).status == store.get(b).status == "attached"

    assert http("POST", f"{web}/api/staff/unanswered/dismiss", {"ids": [c]}, headers=STAFF).json()["changed"] == 1
    assert store.get(c).status == "out_of_scope"
    attached = http("GET", f"{web}/api/staff/unanswered?status=attached", headers=STAFF).json()
    assert any(set(g["ids"]) == {a, b} for g in attached["groups"])
    assert http("GET", f"{web}/api/staff/unanswered?status=nope", headers=STAFF).status == 400


def test_staff_views_are_logged_without_the_questions(web_proc: WebProcess, store: UnansweredStore) -> None:
    store.record("我的邮箱是 secret.person@example.com，签证怎么办", "not_found", "web", "c9")
    assert http("GET", f"{web_proc.url}/api/staff/unanswered", headers=STAFF).status == 200
    logs = web_proc.log.read_text(errors="replace")
    assert "staff viewed" in logs
    assert "secret.person" not in logs and "secr***" not in logs and "签证怎么办" not in logs and "山西的老外" not in logs
