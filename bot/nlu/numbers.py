"""Numbers as users type them: ``6``, ``6.5``, ``六``, ``十二``, ``三十八``, ``两``.

Chinese numerals are read by :func:`appointments.dates.cn_int`, the one parser of them in the
project (dates need it too); this module adds decimals and the regex the entity patterns embed.
"""

from __future__ import annotations

import re

from appointments.dates import cn_int

CN_NUMBER = r"[零〇一二两俩三四五六七八九十廿]{1,4}"
NUMBER = rf"(?:\d+(?:\.\d+)?|{CN_NUMBER})"


def parse_number(text: str) -> float | None:
    """The value of an Arabic or Chinese numeral, or None if ``text`` is not one."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not re.fullmatch(CN_NUMBER, text):
        return None
    value = cn_int(text)
    return None if value is None else float(value)
