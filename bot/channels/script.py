"""Replies in the script the user wrote in: traditional characters for a question in traditional Chinese.

Everything the assistant says (KB answers and citations, action texts, domain responses) is written
once, in simplified characters, and so is every catalogue (``zh`` is simplified; there is no third
column). Converting where replies leave the assistant, in the channels, covers all of them, the
channels' own words included, policy terms included (晋发〔2017〕47号 -> 晉發〔2017〕47號, 第六条 -> 第六條); the
conversion itself is OpenCC's, in :mod:`policy_kb.lang`. Button titles follow the text; payloads are
left alone (they are commands, not words).

The script is read from the message being answered: a button press or a bare number carries no Han
characters, so its reply is in simplified characters.
"""

from __future__ import annotations

from typing import Any

from policy_kb.lang import is_traditional, to_traditional


def in_script(text: str, user_text: str) -> str:
    """``text`` in the script of ``user_text``: traditional characters if the user wrote in them."""
    return to_traditional(text) if is_traditional(user_text) else text


def match_script(messages: list[dict[str, Any]], user_text: str) -> None:
    """Convert the turn's collected ``messages`` in place to traditional characters if ``user_text`` is."""
    if not is_traditional(user_text):
        return
    for msg in messages:
        if msg.get("text"):
            msg["text"] = to_traditional(msg["text"])
        for button in msg.get("buttons") or ():
            if button.get("title"):
                button["title"] = to_traditional(button["title"])
