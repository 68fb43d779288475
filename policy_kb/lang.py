"""Which language to answer in: ``zh`` or ``en``.

Users mix languages ("我是PhD，能申请吗", "Can I get 绿卡 in Shanxi?"). The reply language is the one
carrying the sentence: Chinese when Han characters outweigh Latin words by the ratio below (a Chinese
word averages about 1.5 characters), English otherwise. Text with neither (emoji, digits) has no
language and the caller keeps the conversation's current one.
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_HAN_PER_WORD = 1.5


def _han_and_words(text: str) -> tuple[int, int]:
    return len(_HAN.findall(text)), len(_LATIN_WORD.findall(text))


def word_units(text: str) -> int:
    """How much ``text`` says: its Latin words plus its Han characters, one unit each."""
    return sum(_han_and_words(text))


def detect(text: str, default: Lang | None = None) -> Lang | None:
    """``zh``/``en`` for ``text``, or ``default`` when it has no letters of either script."""
    han, words = _han_and_words(text)
    if han == 0 and words == 0:
        return default
    return "zh" if han > words * _HAN_PER_WORD else "en"
