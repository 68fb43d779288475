"""Rendering the assistant's messages for one passive reply: options, 2048-byte pages, 更多."""

from __future__ import annotations

import random

import pytest

from bot.channels.wechat_format import (
    MAX_REPLY_BYTES,
    Option,
    UserState,
    is_more,
    paginate,
    parse_choice,
    render,
    split_utf8,
    utf8_len,
)

ALPHABET = "a Z9\n。，政策绿卡é€😀𝄞"  # 1-, 2-, 3- and 4-byte characters, spaces and line breaks


def test_split_keeps_every_byte_and_cuts_on_character_boundaries() -> None:
    rng = random.Random(47)
    for _ in range(300):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 1500)))
        budget = rng.randrange(4, 400)
        pieces = split_utf8(text, budget)
        assert "".join(pieces) == text
        assert all(utf8_len(p) <= budget for p in pieces)
        assert all(p for p in pieces[:-1])


def test_split_prefers_a_line_end_near_the_limit() -> None:
    text = "甲" * 600 + "\n" + "乙" * 600  # 1801 + 1800 bytes
    first, rest = split_utf8(text, 2000)
    assert first == "甲" * 600 + "\n" and rest == "乙" * 600


def test_split_cuts_hard_when_no_break_is_near() -> None:
    text = "a" * 10 + "\n" + "政" * 1000
    pieces = split_utf8(text, 2048)
    assert utf8_len(pieces[0]) == 2048  # not back at the early newline, which would waste the page
    assert "".join(pieces) == text


@pytest.mark.parametrize("size", [MAX_REPLY_BYTES - 1, MAX_REPLY_BYTES])
def test_text_within_the_limit_is_one_page(size: int) -> None:
    text = "x" * (size % 3) + "政" * (size // 3)
    assert utf8_len(text) == size
    assert paginate(text) == [text]


def test_text_over_the_limit_is_paged_with_the_more_hint() -> None:
    text = "xxx" + "政" * (MAX_REPLY_BYTES // 3)  # 2049 bytes
    assert utf8_len(text) == MAX_REPLY_BYTES + 1
    pages = paginate(text)
    assert len(pages) == 2
    assert all(utf8_len(p) <= MAX_REPLY_BYTES for p in pages)
    assert pages[0].endswith("（回复“更多”查看后续内容）") and "更多" not in pages[1]


def test_long_text_pages_join_back_without_their_hints() -> None:
    rng = random.Random(9)
    text = "\n".join("".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 120))) for _ in range(200))
    for lang, hint in (("zh", "（回复“更多”查看后续内容）"), ("en", '(Reply "more" / 更多 for the rest)')):
        pages = paginate(text, lang)
        assert len(pages) > 2
        assert all(utf8_len(p) <= MAX_REPLY_BYTES for p in pages)
        assert all(p.endswith(hint) for p in pages[:-1])
        body = "".join(p.removesuffix(hint) for p in pages)
        assert "".join(body.split()) == "".join(text.split())


def test_render_numbers_only_the_last_buttons_and_lists_the_earlier_ones() -> None:
    messages = [
        {"text": "第一段\n\n第二段"},
        {"text": "您想了解哪一条？", "buttons": [{"title": "第六条", "payload": "/a"}, {"title": "第九条", "payload": "/b"}]},
        {"text": "您的最高学位是？", "buttons": [{"title": "博士", "payload": "/d"}, {"title": "硕士", "payload": "/m"}]},
        {"image": "https://example.org/x.png"},
    ]
    r = render(messages)
    assert r.lang == "zh"
    assert r.options == [Option("博士", "/d"), Option("硕士", "/m")]  # "2" is 硕士, never 第九条
    assert r.text == ("第一段\n\n第二段\n\n您想了解哪一条？\n· 第六条\n· 第九条\n\n"
                      "您的最高学位是？\n回复数字选择：\n1. 博士\n2. 硕士\n\nhttps://example.org/x.png")


def test_render_in_english_for_an_english_answer() -> None:
    r = render([{"text": "I can help.", "buttons": [{"title": "Am I eligible?", "payload": "/check_eligibility"}]}])
    assert r.text == "I can help.\nReply with a number:\n1. Am I eligible?"


def test_render_nothing() -> None:
    assert render([]).text == "" and render([]).options == []


@pytest.mark.parametrize("text, number", [("1", 1), (" 2 ", 2), ("２", 2), ("3.", 3), ("4、", 4), ("10", 10),
                                          ("1a", None), ("第1个", None), ("", None), ("123", None), ("6年", None)])
def test_parse_choice(text: str, number: int | None) -> None:
    assert parse_choice(text) == number


@pytest.mark.parametrize("text, more", [("更多", True), ("更多。", True), ("MORE", True), ("more!", True),
                                        ("继续", True), ("更多信息有吗", False), ("多", False)])
def test_is_more(text: str, more: bool) -> None:
    assert is_more(text) is more


def test_user_state_round_trip_and_garbage() -> None:
    state = UserState([Option("博士", '/inform{"degree": "doctorate"}')], ["第二页"])
    assert UserState.from_json(state.to_json()) == state
    for raw in (None, "", "not json", "[]", '{"options": 5}'):
        assert UserState.from_json(raw) == UserState()
