"""Numbers as users type them: ``6``, ``6.5``, ``六``, ``十二``, ``三十八``, ``两``."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUMBER = r"[零〇一二两俩三四五六七八九十百]+"
NUMBER = rf"(?:\d+(?:\.\d+)?|{CN_NUMBER})"


def parse_number(text: str) -> float | None:
    """The value of an Arabic or Chinese numeral (up to 999), or None if ``text`` is not one."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or not re.fullmatch(CN_NUMBER, text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return float(total + current)
