"""Numbers as users type them: ``6``, ``6.5``, ``六``, ``十二``, ``三十八``, ``两``, ``廿``, ``二〇二六``.

The one reader of Chinese numerals: the date parser (``12月3日``, ``三点``), the NLU's age and years
patterns (``三十八岁``, ``干了六年``) and the forms' picks all use it. The patterns are for embedding in
larger regexes; each is a bounded character class, so they stay linear-time.
"""

from __future__ import annotations

import re

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: A Chinese numeral as people write small numbers and years (read by :func:`cn_int`).
CN_NUMERAL = r"[零〇一二两俩三四五六七八九十廿]{1,4}"
#: A whole number, Arabic (up to four digits) or Chinese: days, months, hours, years.
WHOLE_NUMBER = rf"(?:\d{{1,4}}|{CN_NUMERAL})"
#: A number with an optional decimal part, or a Chinese numeral: ages, years of experience.
NUMBER = rf"(?:\d+(?:\.\d+)?|{CN_NUMERAL})"


def cn_int(s: str) -> int | None:
    """An Arabic or Chinese numeral (一..九十九, 两, 俩, 廿, 零五, 二〇二六) as an int; None if malformed."""
    if s.isdigit():
        return int(s)
    s = s.replace("廿", "二十")
    if "十" in s:
        head, _, tail = s.partition("十")
        if "十" in tail or len(head) > 1 or len(tail) > 1:
            return None
        tens = 1 if head == "" else _CN_DIGIT.get(head)
        ones = 0 if tail == "" else _CN_DIGIT.get(tail)
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if s and all(ch in _CN_DIGIT for ch in s):  # positional: 零五 -> 5, 二〇二六 -> 2026
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))
    return None


def parse_number(text: str) -> float | None:
    """The value of an Arabic or Chinese numeral, or None if ``text`` is not one."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not re.fullmatch(CN_NUMERAL, text):
        return None
    value = cn_int(text)
    return None if value is None else float(value)
