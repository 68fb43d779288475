"""Article references in the exact form every answer must use.

Chinese: ``（依据：第六条）``; English: ``(Source: Article 6)``. The closing clause on Hong Kong,
Macao and Taiwan talent has no number; it is cited by name. ``ArticleRef`` is ``int`` (1..25)
or ``None`` for the closing clause; data files spell the closing clause ``closing``. The words are the
knowledge base's catalogue's (``policy_kb/data/messages.yml``); this module only picks them and fills
in the numbers.
"""

from __future__ import annotations

from i18n import LANGUAGES
from i18n.joins import joined
from policy_kb.messages import message

ArticleRef = int | None

CLOSING = "closing"
_CN_DIGITS = "零一二三四五六七八九"


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


def _number(article: int, lang: str) -> str:
    """An article's number as each language writes it: 六 / 6."""
    return chinese_numeral(article) if lang == "zh" else str(article)


def article_name(article: ArticleRef, lang: str) -> str:
    """``第六条`` / ``Article 6``; the closing clause by name."""
    if article is None:
        return message("closing_clause", lang)
    return message("article", lang, number=_number(article, lang))


def article_names(article: ArticleRef) -> dict[str, str]:
    """``{"zh": "第六条", "en": "Article 6"}``: an article's name in every language, for a page that shows it."""
    return {lang: article_name(article, lang) for lang in LANGUAGES}


def cite(article: ArticleRef, lang: str) -> str:
    """The citation appended to an answer: ``（依据：第六条）`` or ``(Source: Article 6)``."""
    return message("cite", lang, name=article_name(article, lang))


def cite_many(articles: list[ArticleRef], lang: str) -> str:
    """Several articles in one citation: ``（依据：第一条、第六条）`` / ``(Source: Articles 1, 6)``; the
    numbered articles first, in the order given, then the closing clause."""
    unique = list(dict.fromkeys(articles))
    numbered = [a for a in unique if a is not None]
    names = []
    if len(numbered) == 1:
        names.append(article_name(numbered[0], lang))
    elif numbered:
        listed = [message("article_in_list", lang, number=_number(a, lang)) for a in numbered]
        names.append(message("articles", lang, numbers=joined(message, "article_list_join", listed, lang)))
    if None in unique:
        names.append(article_name(None, lang))
    return message("cite", lang, name=joined(message, "source_join", names, lang))
