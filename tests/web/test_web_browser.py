"""The chat and staff pages in a real browser (Debian's Chromium through Playwright), as people use them.

Most tests talk to the whole stack (action server, Rasa with the trained model, web front) started once
by the ``stack`` fixture. Rendering and failure tests that need exact replies or a dead server use a web
process whose Rasa cannot be reached, with Playwright answering ``/api/chat`` where a test says so.
Screenshots: ``test-results/screenshots/{chat-zh,chat-en,chat-mobile,staff}.png``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.web.session import COOKIE_NAME
from tests.support.locations import ROOT
from tests.support.web import REPLY_TIMEOUT_MS, STAFF_TOKEN, screenshot, web_process

#: Console messages a test that cuts the server off expects to see.
NETWORK_NOISE = ("Failed to load resource", "net::ERR")


def send(page: Page, text: str) -> None:
    box = page.locator("#message")
    box.fill(text)
    box.press("Enter")


def bot_reply(page: Page, text: str | re.Pattern, timeout: float = REPLY_TIMEOUT_MS):
    """The latest assistant bubble containing ``text``, once it is shown."""
    bubble = page.locator(".msg.bot .bubble").filter(has_text=text).last
    expect(bubble).to_be_visible(timeout=timeout)
    expect(page.locator("#typing")).not_to_have_class(re.compile(r"\bactive\b"), timeout=timeout)
    return bubble


def last_user_bubble(page: Page):
    return page.locator(".msg.user .bubble").last


# --- asking questions ----------------------------------------------------------------------------------

def test_chinese_question_gets_a_cited_answer(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#send")).to_have_text("发送")
    send(page, "绿卡有什么用")
    expect(last_user_bubble(page)).to_contain_text("绿卡有什么用")
    expect(page.locator("#message")).to_have_value("")
    answer = bot_reply(page, "（依据：第十八条）")
    expect(answer).to_contain_text("绿卡")
    expect(page.locator(".msg.bot").last).to_have_attribute("lang", "zh-CN")
    follow_ups = page.locator(".msg.bot").last.locator("button.quick-reply")
    for title in ("我符合条件吗？", "转人工"):  # the answer's follow-ups, as buttons
        expect(follow_ups.filter(has_text=title)).to_have_count(1)
    screenshot(page, "chat-zh")
    assert watch.script_errors() == []


def test_english_question_gets_a_cited_answer(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="en-US")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    send(page, "How much is the Friendship Award?")
    answer = bot_reply(page, "(Source: Article 14)")
    expect(answer).to_contain_text("100,000")
    expect(page.locator(".msg.bot").last).to_have_attribute("lang", "en")
    assert watch.script_errors() == []


def test_quick_reply_sends_its_payload_and_shows_its_title(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="zh-CN")
    send(page, "绿卡有什么用")
    bot_reply(page, "（依据：第十八条）")
    answer = page.locator(".msg.bot").nth(page.locator(".msg.bot").count() - 1)  # this one, not the next
    with page.expect_request("**/api/chat") as request:
        answer.get_by_role("button", name="转人工").click()
    assert request.value.post_data_json["message"] == "/handoff"
    expect(last_user_bubble(page)).to_contain_text("转人工")
    bot_reply(page, "转人工请求已记录")
    choices = answer.locator("button.quick-reply").all()  # the article link stays a link
    assert len(choices) == 3
    for button in choices:  # answered: the old choices are no longer offered
        expect(button).to_be_disabled()
    expect(page.locator("#message")).to_be_focused()
    assert watch.script_errors() == []


def test_eligibility_pre_check_through_the_page(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="en-US")
    send(page, "Am I eligible?")
    bot_reply(page, "highest degree")
    page.locator(".msg.bot").last.get_by_role("button", name="Doctorate (PhD)", exact=True).click()
    expect(last_user_bubble(page)).to_contain_text("Doctorate (PhD)")
    bot_reply(page, "How many years")
    send(page, "6 years")
    bot_reply(page, "professional field")
    send(page, "big data")
    bot_reply(page, "how old are you")
    send(page, "38")
    result = bot_reply(page, re.compile(r"\(Source: Article 1\)"))
    expect(result).to_contain_text("Article 1")
    assert "##" not in result.inner_text()  # headings, if any, are shown as such (see the rendering test)
    assert watch.script_errors() == []


def _booking_form_exists() -> bool:
    path = ROOT / "domain" / "appointments.yml"
    return path.exists() and re.search(r"^\s+booking_form:", path.read_text(encoding="utf-8"), re.M) is not None


def _pick_first(page: Page) -> str:
    """Click the first quick reply of the latest answer; returns its title."""
    button = page.locator(".msg.bot").last.locator(".quick-reply").first
    title = button.inner_text()
    button.click()
    expect(last_user_bubble(page)).to_contain_text(title)
    return title


@pytest.mark.skipif(not _booking_form_exists(),
                    reason="the booking conversation (issue 5) is not built: domain/appointments.yml has no booking_form")
def test_booking_through_the_page(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="en-US")
    send(page, "I'd like to book an appointment")
    bot_reply(page, "Which service")
    _pick_first(page)
    bot_reply(page, "Which city")
    _pick_first(page)
    bot_reply(page, "When would you like to come")
    _pick_first(page)
    bot_reply(page, "I need your consent")
    page.locator(".msg.bot").last.get_by_role("button", name="I agree").click()
    bot_reply(page, "What is your name")
    send(page, "Anna Schmidt")
    bot_reply(page, "Please give one contact")
    send(page, "anna.schmidt@example.org")
    summary = bot_reply(page, "Please check your booking")
    expect(summary).to_contain_text("Anna Schmidt")
    expect(summary).to_contain_text("anna***@example.org")  # contacts are shown masked
    expect(summary).not_to_contain_text("anna.schmidt@example.org")
    page.locator(".msg.bot").last.get_by_role("button", name="Confirm", exact=True).click()
    booked = bot_reply(page, "Booked!")
    expect(booked).to_contain_text(re.compile(r"reference code is [A-Z0-9]{4}-[A-Z0-9]{4}"))
    assert watch.script_errors() == []


# --- language -------------------------------------------------------------------------------------------

def _conversation_cookie(page: Page) -> dict:
    cookies = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
    assert len(cookies) == 1, cookies
    return cookies[0]


def test_language_switch_changes_the_page_and_the_assistant(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="zh-CN")
    assert page.context.cookies() == [], "no conversation before the first message"

    with page.expect_request("**/api/chat") as request:
        page.get_by_role("button", name="English").click()
    assert request.value.post_data_json == {"message": '/switch_language{"target_language":"en"}'}, "no id from the page"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#send")).to_have_text("Send")
    expect(page.locator("#message")).to_have_attribute("placeholder", re.compile("Type your question"))
    expect(page.get_by_label("Type your question")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "false")
    bot_reply(page, "I'll answer in English")
    cookie = _conversation_cookie(page)  # the server's id, out of the page script's reach
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert COOKIE_NAME not in page.evaluate("document.cookie")
    send(page, "绿卡有什么用")  # asked in Chinese, answered in the chosen language
    bot_reply(page, "(Source: Article 18)")
    screenshot(page, "chat-en")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("#send")).to_have_text("发送")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    bot_reply(page, "接下来我用中文回答")
    send(page, "How much is the Friendship Award?")
    bot_reply(page, "（依据：第十四条）")

    page.reload()  # the page's language and the server's conversation stay with the browser
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#send")).to_have_text("发送")
    assert _conversation_cookie(page)["value"] == cookie["value"]
    with page.expect_request("**/api/chat") as request:
        send(page, "What does the green card give me?")
    assert request.value.post_data_json == {"message": "What does the green card give me?"}
    bot_reply(page, "（依据：第十八条）")  # the same conversation: the language chosen before the reload holds
    assert watch.script_errors() == []


# --- nothing is ever parsed as HTML ------------------------------------------------------------------

def test_user_html_is_shown_as_text(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="en-US")
    payload = "<img src=x onerror=alert(1)>"
    send(page, payload)
    expect(last_user_bubble(page)).to_contain_text(payload)
    assert last_user_bubble(page).inner_text().endswith(payload)
    bot_reply(page, re.compile("."))
    page.wait_for_timeout(500)  # time for an injected onerror to fire, had there been one
    assert page.locator("#log img").count() == 0
    assert watch.dialogs == []
    assert watch.script_errors() == []


def test_assistant_text_is_rendered_as_text_with_links_line_breaks_and_buttons(open_page, web_without_staff) -> None:
    page, watch = open_page(web_without_staff + "/", locale="en-US")
    pending = []
    page.route("**/api/chat", lambda route: pending.append(route))
    send(page, "show me")
    expect(page.locator("#typing")).to_have_class(re.compile(r"\bactive\b"))  # shown while waiting
    expect(page.locator("#typing")).to_contain_text("The assistant is typing")
    text = ("Line one <img src=x onerror=alert(2)> <b>bold</b>\n"
            "See https://example.org/policy?id=47. Not javascript:alert(3) nor <a href='javascript:alert(5)'>x</a>\n"
            "## Next steps")
    buttons = [{"title": "<img src=y onerror=alert(4)>", "payload": "/pick"}, {"title": "Plain", "payload": "/plain"}]
    pending[0].fulfill(status=200, content_type="application/json",
                       body=json.dumps([{"recipient_id": "x", "text": text, "buttons": buttons}]))
    bubble = bot_reply(page, "Line one")
    expect(bubble).to_contain_text("<img src=x onerror=alert(2)> <b>bold</b>")
    expect(bubble).to_contain_text("<a href='javascript:alert(5)'>x</a>")
    assert bubble.locator("img, b, script").count() == 0
    links = bubble.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.org/policy?id=47")
    expect(links).to_have_text("https://example.org/policy?id=47")
    assert "noopener" in links.get_attribute("rel").split()
    expect(bubble.locator("br")).to_have_count(2)
    expect(bubble.locator("strong.heading")).to_have_text("Next steps")
    quick = page.locator(".msg.bot").last.locator("button.quick-reply")
    expect(quick).to_have_text(["<img src=y onerror=alert(4)>", "Plain"])

    quick.first.click()
    expect(last_user_bubble(page)).to_contain_text("<img src=y onerror=alert(4)>")
    page.wait_for_timeout(200)
    assert pending[1].request.post_data_json["message"] == "/pick"
    pending[1].fulfill(status=200, content_type="application/json", body="[]")
    page.wait_for_timeout(300)
    assert page.locator("#log img").count() == 0
    assert watch.dialogs == []
    assert watch.script_errors() == []


# --- losing the server ---------------------------------------------------------------------------------

def test_lost_server_gives_a_clear_message_and_keeps_the_input(open_page, web_without_staff) -> None:
    page, watch = open_page(web_without_staff + "/", locale="zh-CN")
    notice = page.locator("#notice")
    expect(notice).to_be_hidden()

    # Rasa is down: the proxy answers 502, the page says so in both languages
    send(page, "绿卡有什么用")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("暂时无法连接到助手")
    expect(notice).to_contain_text("cannot be reached")
    expect(notice).to_contain_text("您的消息已保留")
    expect(page.locator("#message")).to_have_value("绿卡有什么用")
    expect(page.locator("#message")).to_be_focused()
    expect(last_user_bubble(page)).to_contain_text("未发送")
    expect(page.locator("#typing")).not_to_have_class(re.compile(r"\bactive\b"))

    # the web server itself is gone: the request fails in the browser
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    page.locator("#message").press("Enter")
    expect(notice).to_contain_text("无法连接到服务器")
    expect(notice).to_contain_text("Cannot reach the server")
    expect(page.locator("#message")).to_have_value("绿卡有什么用")

    # back again: the kept message goes through and the notice goes away
    page.unroute("**/api/chat")
    page.route("**/api/chat", lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps([{"recipient_id": "x", "text": "回来了（依据：第十八条）"}])))
    page.locator("#message").press("Enter")
    bot_reply(page, "回来了")
    expect(notice).to_be_hidden()
    expect(page.locator("#message")).to_have_value("")
    assert watch.script_errors(allow=NETWORK_NOISE) == []


@pytest.fixture(scope="module")
def web_limited(stub_rasa) -> Iterator[str]:
    """A web process that lets a conversation send two messages a minute, talking to the stub Rasa."""
    with web_process(stub_rasa.url, name="web-limited", env={"WEB_RATE_LIMIT": "2"}) as web:
        yield web.url


def test_sending_too_fast_is_explained_and_keeps_the_input(open_page, web_limited, stub_rasa) -> None:
    page, watch = open_page(web_limited + "/", locale="zh-CN")
    for text in ("第一条", "第二条"):
        with page.expect_request("**/api/chat") as request:
            send(page, text)
        assert request.value.post_data_json == {"message": text}
        bot_reply(page, f"echo: {text}")
    assert stub_rasa.received[-1]["sender"] == stub_rasa.received[-2]["sender"], "one conversation for the tab"
    send(page, "第三条")
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("您发送得太快了")
    expect(notice).to_contain_text("sending messages too quickly")
    expect(page.locator("#message")).to_have_value("第三条")
    expect(last_user_bubble(page)).to_contain_text("未发送")
    assert stub_rasa.received[-1]["message"] == "第二条", "the refused message never reached Rasa"
    assert watch.script_errors(allow=("429",)) == []


# --- phone, keyboard, screen reader ----------------------------------------------------------------------

def test_phone_sized_screen(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="zh-CN", viewport={"width": 375, "height": 667},
                            is_mobile=True, has_touch=True, device_scale_factor=2)
    send(page, "绿卡有什么用")
    bot_reply(page, "（依据：第十八条）")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scrolling"
    for selector in ("#message", "#send", ".lang-switch button >> nth=1"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667, selector
    for button in page.locator(".msg.bot").last.locator(".quick-reply").all():
        assert button.bounding_box()["height"] >= 40, "touch targets"
    page.locator(".msg.bot").last.get_by_role("button", name="我符合条件吗？").tap()
    bot_reply(page, "最高学位")
    expect(page.locator(".msg.bot").last.get_by_role("button", name="博士", exact=True)).to_be_visible()
    screenshot(page, "chat-mobile")
    assert watch.script_errors() == []


def _focused(page: Page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e.id ? '#' + e.id : (e.textContent || e.tagName).trim(); }""")


def test_keyboard_and_screen_reader(open_page, stack) -> None:
    page, watch = open_page(stack.web_url + "/", locale="zh-CN")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_have_attribute("aria-label", "对话记录")
    expect(page.get_by_label("输入您的问题")).to_be_visible()
    expect(page.locator("#typing")).to_have_attribute("role", "status")
    expect(page.locator("#notice")).to_have_attribute("role", "alert")
    expect(page.get_by_role("group", name="语言 / Language")).to_be_visible()

    order = []
    for _ in range(9):
        page.keyboard.press("Tab")
        order.append(_focused(page))
    assert order == ["跳到输入框", "中文", "English", "#log", "绿卡有什么用？", "我符合条件吗？", "转人工",
                     "#message", "#send"], order
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    width = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert outline != "none" and width >= 2, "keyboard focus is visible"

    page.keyboard.type("绿卡有什么用")
    page.keyboard.press("Enter")
    bot_reply(page, "（依据：第十八条）")
    expect(page.locator("#message")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # back from the input: the answer's 👎 / 👍 first, then its quick replies
    passed = []
    while _focused(page) != "转人工" and len(passed) < 4:
        passed.append(_focused(page))
        page.keyboard.press("Shift+Tab")
    assert _focused(page) == "转人工" and "👎" in passed, passed
    page.keyboard.press("Enter")
    bot_reply(page, "转人工请求已记录")
    expect(page.locator("#message")).to_be_focused()
    # every speaker is named for screen readers, though the label is visually hidden
    assert page.locator(".msg.user .visually-hidden").first.text_content() == "您："
    assert page.locator(".msg.bot .visually-hidden").first.text_content() == "助手："
    assert watch.script_errors() == []


# --- staff page -----------------------------------------------------------------------------------------

def test_staff_page_searches_with_the_token(open_page, stack) -> None:
    from policy_kb.db import open_kb

    kb = open_kb()
    page, watch = open_page(stack.web_url + "/staff", locale="zh-CN")
    token_box = page.get_by_label("工作人员令牌")
    expect(token_box).to_be_focused()

    token_box.fill("not-the-token")
    page.get_by_role("button", name="登录 / Sign in").click()
    expect(page.locator("#login-error")).to_contain_text("需要有效的工作人员令牌")
    expect(page.locator("#login-error")).to_contain_text("A valid staff token is required")
    expect(page.locator("#search")).to_be_hidden()

    token_box.fill(STAFF_TOKEN)
    token_box.press("Enter")
    expect(page.locator("#search")).to_be_visible()
    expect(page.locator("#q")).to_be_focused()

    page.locator("#q").fill("绿卡有什么用")
    page.locator("#q").press("Enter")
    results = page.locator("#results > li")
    expect(results.first).to_be_visible()
    first = results.first
    expect(first.locator(".badge")).to_have_text("第十八条")
    expect(first.locator(".answer")).to_contain_text("（依据：第十八条）")
    expect(first.locator(".units")).to_contain_text("省人社厅")
    scores = [float(s.split()[-1]) for s in results.locator(".score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True), "ranked best first"

    first.locator("summary").click()
    article = kb.article(18)
    expect(first.locator(".article-zh .full")).to_have_text(article.text.zh)
    expect(first.locator(".article-en .full")).to_have_text(article.text.en)
    expect(first.locator(".article-zh")).to_have_attribute("lang", "zh-CN")
    expect(first.locator(".article-en h3")).to_contain_text("Article 18")
    expect(first.locator(".article-en")).to_contain_text(kb.units[article.units_zh[0]].en)
    screenshot(page, "staff")

    page.locator("#q").fill("How much is the Friendship Award?")
    page.locator("#q").press("Enter")
    expect(results.first.locator(".answer")).to_contain_text("(Source: Article 14)")
    expect(results.first.locator(".badge")).to_have_text("Article 14")

    page.reload()  # the token stays for this tab
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#search")).to_be_visible()
    page.get_by_role("button", name="退出 / Sign out").click()
    expect(page.locator("#login")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('jincai.staffToken')") is None
    assert watch.script_errors(allow=("401",)) == []

