"""The "查看原文 / Read the article" button of a cited answer: how the actions write it, how channels read it.

The button's ``url`` is the web front's article page (``/article/6?lang=zh``, :mod:`bot.web.article`), so
the chat page opens it as a link; on WeChat it is a numbered choice whose title the channel answers with the
article's text. The web front and the WeChat channel also recognise a policy answer by it (👍 / 👎, "没帮到").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from policy_kb.citation import CLOSING, ArticleRef

ARTICLE_PATH = "/article/"


def read_article_button(ref: ArticleRef, lang: str, title: str) -> dict[str, str]:
    label = CLOSING if ref is None else str(ref)
    return {"title": title, "type": "web_url", "url": f"{ARTICLE_PATH}{label}?lang={'en' if lang == 'en' else 'zh'}"}


def cited_article(message: dict[str, Any]) -> tuple[str, str] | None:
    """``(article, language)`` of the message's "查看原文" button (``("6", "zh")``), None if it has none."""
    for button in message.get("buttons") or ():
        url = button.get("url") if isinstance(button, dict) else None
        if isinstance(url, str) and url.startswith(ARTICLE_PATH):
            parts = urlsplit(url)
            lang = (parse_qs(parts.query).get("lang") or ["zh"])[0]
            return parts.path[len(ARTICLE_PATH):], "en" if lang == "en" else "zh"
    return None
