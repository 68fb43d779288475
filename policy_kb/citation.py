"""Article references in the exact form every answer must use.

Chinese: ``（依据：第六条）``; English: ``(Source: Article 6)``. The closing clause on Hong Kong,
Macao and Taiwan talent has no number; it is cited by name. ``ArticleRef`` is ``int`` (1..25)
or ``None`` for the closing clause; data files spell the closing clause ``closing``.
"""

from __future__ import annotations

ArticleRef = int | None

CLOSING = "closing"
_CN_DIGITS = "零一二三四五六七八九"
_CLOSING_NAME = {"zh": "港澳台人才条款", "en": "closing clause on Hong Kong, Macao and Taiwan talent"}


def chinese_numeral(n: int) -> str:
    """1..99 as a Chinese numeral, as the policy numbers its articles (十一, 二十, 二十五)."""
    if not 0 < n < 100:
        raise ValueError(f"article number out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def parse_ref(value: object) -> ArticleRef:
    """Read an article reference from data: ``6`` -> 6, ``"closing"`` -> None."""
    if value == CLOSING:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 25:
        return value
    raise ValueError(f"not an article reference (1..25 or {CLOSING!r}): {value!r}")


def article_name(article: ArticleRef, lang: str) -> str:
    """``第六条`` / ``Article 6``; the closing clause by name."""
    if article is None:
        return _CLOSING_NAME[lang]
    return f"第{chinese_numeral(article)}条" if lang == "zh" else f"Article {article}"


def cite(article: ArticleRef, lang: str) -> str:
    """The citation appended to an answer: ``（依据：第六条）`` or ``(Source: Article 6)``."""
    name = article_name(article, lang)
    return f"（依据：{name}）" if lang == "zh" else f"(Source: {name})"


def cite_many(articles: list[ArticleRef], lang: str) -> str:
    """Several articles in one citation: ``（依据：第一条、第六条）`` / ``(Source: Articles 1, 6)``."""
    unique = list(dict.fromkeys(articles))
    if len(unique) == 1:
        return cite(unique[0], lang)
    if lang == "zh":
        return "（依据：" + "、".join(article_name(a, lang) for a in unique) + "）"
    numbered = [str(a) for a in unique if a is not None]
    names = (["Articles " + ", ".join(numbered)] if numbered else []) + (
        [_CLOSING_NAME["en"]] if None in unique else []
    )
    return "(Source: " + "; ".join(names) + ")"
