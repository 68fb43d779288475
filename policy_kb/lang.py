"""Which language to answer in: ``zh`` or ``en``.

Users mix languages ("我是PhD，能申请吗", "Can I get 绿卡 in Shanxi?"). The reply language is the one
carrying the sentence, the *matrix* language of code-switching: the one whose grammar words frame it
(question particles and pronouns, 吗 / 怎么 / 我; "is", "how", "the", "I"), while the other gives only
the terms ("where is the 外国人来晋工作服务窗口?" is English however many Han characters its term has;
"relocation allowance 有多少？" is Chinese). When both or neither language has such words, the
count decides: Chinese when Han characters outweigh Latin words by the ratio below (a Chinese word
averages about 1.5 characters), English otherwise. Text with neither script (emoji, digits) has no
language and the caller keeps the conversation's current one; nor has an e-mail address, which is
a word of neither language ("lilei@example.com" typed in a Chinese booking keeps it Chinese).

Script: Chinese written in traditional characters (the closing clause invites talent from Hong Kong,
Macao and Taiwan) is answered in traditional characters. Both conversions are OpenCC's and live in
:mod:`lexicon.normalize` (matching needs ``t2s`` below this package). :func:`is_traditional` counts
the characters each conversion would change: text is traditional when more of its characters are
traditional-only than simplified-only.
"""

from __future__ import annotations

import re
from typing import Literal

from lexicon.normalize import to_simplified, to_traditional
from lexicon.user_text import EMAIL_IN_TEXT

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_HAN_PER_WORD = 1.5
#: Chinese grammar words: question particles, interrogatives, first and second person (not 能 / 他 / 要,
#: which are inside terms: 新能源, 其他, 需要).
_ZH_FRAME = re.compile(r"[吗呢吧嘛么呀啊哪啥咋怎我你您了]|多少|多久|可以|有没有|是不是|能不能|能否|要不要|是否")
#: English grammar words. Matched in lower or title case only: "IT", "US" and "A" (A类) are terms.
_EN_FRAME = frozenset({
    "i", "im", "i'm", "me", "my", "you", "your", "u", "we", "our", "us", "is", "are", "am", "was", "were", "be",
    "been", "do", "does", "did", "can", "could", "will", "would", "should", "may", "must", "the", "an", "how",
    "what", "whats", "what's", "where", "when", "who", "why", "which", "there", "this", "that", "it", "its", "for",
    "of", "to", "in", "on", "at", "with", "from", "and", "or", "if", "any", "have", "has", "pls", "please"})
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def han_and_words(text: str) -> tuple[int, int]:
    """How many Han characters and Latin words ``text`` has: the counts every "how much does it say" uses."""
    return len(_HAN.findall(text)), len(_LATIN_WORD.findall(text))


def word_units(text: str) -> int:
    """How much ``text`` says: its Latin words plus its Han characters, one unit each."""
    return sum(han_and_words(text))


def detect(text: str, default: Lang | None = None) -> Lang | None:
    """``zh``/``en`` for ``text``, or ``default`` when it has no letters of either script."""
    text = EMAIL_IN_TEXT.sub(" ", text)  # "我的邮箱是lilei@example.com" -> "我的邮箱是 "
    han, words = han_and_words(text)
    if han == 0 and words == 0:
        return default
    if han and words:
        zh_frame = _ZH_FRAME.search(text) is not None
        en_frame = any(w.lower() in _EN_FRAME for w in _EN_WORD.findall(text) if w.islower() or w.istitle() or w == "I")
        if zh_frame != en_frame:
            return "zh" if zh_frame else "en"
    return "zh" if han > words * _HAN_PER_WORD else "en"


def is_traditional(text: str) -> bool:
    """Whether ``text`` is Chinese written in traditional characters (False without Han characters)."""
    han = _HAN.findall(text)
    traditional_only = sum(to_simplified(c) != c for c in han)
    simplified_only = sum(to_traditional(c) != c for c in han)
    return traditional_only > simplified_only
