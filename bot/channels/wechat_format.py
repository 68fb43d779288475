"""Turning the assistant's messages into the one text a WeChat passive reply can carry.

Pure functions, no I/O: render the bot's messages (the last buttons become numbered options), cut the text
into pages of at most 2048 bytes of UTF-8 on character boundaries (the platform's limit for a text
reply), and read a user's answer as an option number or as a request for the next page ("更多").
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.channels.wechat_texts import texts
from policy_kb.lang import detect

#: A passive text reply (and a customer-service text message) carries at most this many bytes.
MAX_REPLY_BYTES = 2048
#: Cut where a line or sentence ends when that loses at most this share of a page.
SOFT_CUT_SHARE = 0.25

_MORE_WORDS = {"更多", "更多内容", "继续", "more", "next"}
_SENTENCE_ENDS = "。！？；.!?;"
_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.。、)）]?\s*$")


@dataclass(frozen=True)
class Option:
    title: str
    payload: str


@dataclass
class Rendered:
    text: str
    options: list[Option] = field(default_factory=list)
    lang: str = "zh"


def language_of(text: str) -> str:
    """The language ``text`` is in, Chinese when it says nothing: for the channel's own words (a busy or
    too-long notice, the bot's reply) where no tracker is at hand (the tracker's is
    ``actions.language.reply_language``)."""
    return detect(text, default="zh") or "zh"


def render(messages: list[dict[str, Any]]) -> Rendered:
    """One text from the bot's messages; the buttons of the last message that has any are the
    numbered options.

    A reply such as "the answer, with related articles as buttons" + "the form's next question, with
    its choices" must not let "2" press the answer's second button: only the last set of buttons is
    what the user is being asked, so only it is numbered. Earlier buttons stay visible as plain
    ``· title`` lines, which the user can still type.
    """
    parts: list[str] = []
    options: list[Option] = []
    lang = language_of(" ".join(m.get("text") or "" for m in messages))
    buttons_of = [[b for b in (m.get("buttons") or []) + (m.get("quick_replies") or []) if b.get("title")]
                  for m in messages]
    last = max((i for i, buttons in enumerate(buttons_of) if buttons), default=-1)
    for i, m in enumerate(messages):
        block: list[str] = []
        if m.get("text"):
            block.append(m["text"].strip())
        if m.get("image"):
            block.append(m["image"])
        if m.get("attachment"):
            block.append(str(m["attachment"]))
        if isinstance(m.get("custom"), dict) and isinstance(m["custom"].get("text"), str):
            block.append(m["custom"]["text"].strip())
        if i == last:
            options = [Option(str(b["title"]), str(b.get("payload") or b["title"])) for b in buttons_of[i]]
            lines = [f"{n}. {o.title}" for n, o in enumerate(options, 1)]
            block.append(texts("options_head", lang) + "\n" + "\n".join(lines))
        elif buttons_of[i]:
            block.append("\n".join(f"· {b['title']}" for b in buttons_of[i]))
        if block:
            parts.append("\n".join(block))
    return Rendered("\n\n".join(p for p in parts if p), options, lang)


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _prefix_within(text: str, budget: int) -> int:
    """The number of characters of ``text`` whose UTF-8 encoding fits ``budget`` bytes."""
    encoded = text.encode("utf-8")
    if len(encoded) <= budget:
        return len(text)
    # back off to a character boundary: UTF-8 continuation bytes look like 0b10xxxxxx
    cut = budget
    while cut > 0 and (encoded[cut] & 0xC0) == 0x80:
        cut -= 1
    return len(encoded[:cut].decode("utf-8"))


def split_utf8(text: str, budget: int) -> list[str]:
    """Pieces of at most ``budget`` UTF-8 bytes that join back to ``text`` exactly.

    Each cut falls on a character boundary, at a line end or sentence end when one lies in the
    last quarter of the piece, else as late as the budget allows.
    """
    if budget < 4:
        raise ValueError("budget must hold at least one character (4 bytes)")
    pieces = []
    rest = text
    while utf8_len(rest) > budget:
        n = _prefix_within(rest, budget)
        head = rest[:n]
        floor = int(n * (1 - SOFT_CUT_SHARE))
        soft = head.rfind("\n", floor)
        if soft < 0:
            soft = max(head.rfind(c, floor) for c in _SENTENCE_ENDS)
        if soft >= floor and soft > 0:
            n = soft + 1
        pieces.append(rest[:n])
        rest = rest[n:]
    pieces.append(rest)
    return pieces


def paginate(text: str, lang: str = "zh", limit: int = MAX_REPLY_BYTES, hint: str | None = None) -> list[str]:
    """Pages of at most ``limit`` bytes; every page but the last ends with the "更多" hint (``hint``, by
    default the catalogue's in ``lang``)."""
    if utf8_len(text) <= limit:
        return [text]
    tail = "\n\n" + (hint or texts("more_hint", lang))
    pieces = split_utf8(text, limit - utf8_len(tail))
    pages = [p.rstrip() + tail for p in pieces[:-1]] + [pieces[-1].lstrip("\n")]
    return [p for p in pages if p.strip()]


def is_more(text: str) -> bool:
    return unicodedata.normalize("NFKC", text).strip().strip("。.!！").lower() in _MORE_WORDS


def parse_choice(text: str) -> int | None:
    """``"2"``, ``"２"``, ``"2."`` -> 2; anything else -> None."""
    m = _CHOICE.match(unicodedata.normalize("NFKC", text))
    return int(m.group(1)) if m else None


@dataclass
class UserState:
    """What a user's next bare number or "更多" refers to."""

    options: list[Option] = field(default_factory=list)
    more: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"options": [[o.title, o.payload] for o in self.options], "more": self.more},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> UserState:
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            return cls([Option(t, p) for t, p in data.get("options", [])], list(data.get("more", [])))
        except (ValueError, TypeError, AttributeError):
            return cls()
