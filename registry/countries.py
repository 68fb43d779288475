"""Countries of residence, named as people type them ("加拿大", "I live in Malaysia", "the US").

The names come from the Unicode CLDR territory names that Babel ships (``babel`` is in the lock: a
real, maintained source in both languages), keyed by ISO 3166-1 alpha-2 code, plus the short forms
CLDR does not list ("美国" is CLDR's, "America", "UK", "南韩" are not). Regions that are not countries
(the EU, the UN, "world") are left out. Matching is on the :func:`registry.places.normalize` form,
longest name first; Latin names only as whole words. "us" and "uk" count only as the whole reply:
"contact us" names no country.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

from lexicon.match import TermMatcher
from lexicon.normalize import normalize

#: CLDR codes that are not places one lives in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AQ", "BV", "HM", "TF", "UM", "CP", "DG", "IC", "EA"})
#: Short forms people use that CLDR's names do not cover.
ALIASES: dict[str, str] = {
    "america": "US", "usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US", "美利坚": "US",
    "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "英格兰": "GB",
    "south korea": "KR", "korea": "KR", "韩国": "KR", "南韩": "KR", "north korea": "KP", "朝鲜": "KP",
    "holland": "NL", "荷兰": "NL", "russia": "RU", "czech republic": "CZ", "hong kong": "HK", "香港": "HK",
    "macau": "MO", "macao": "MO", "澳门": "MO", "taiwan": "TW", "台湾": "TW", "大马": "MY", "狮城": "SG", "星加坡": "SG",
    "uae": "AE", "迪拜": "AE", "新西兰": "NZ", "澳洲": "AU", "vietnam": "VN", "越南": "VN",
}
#: Whole-reply only: common words elsewhere.
EXACT_ALIASES: dict[str, str] = {"us": "US", "the us": "US", "uk": "GB", "the uk": "GB", "u.k.": "GB"}


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, dict[str, str]], TermMatcher[str]]:
    zh: dict[str, str] = dict(Locale("zh").territories)
    en: dict[str, str] = dict(Locale("en").territories)
    codes = [c for c in en if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES and c in zh]
    shown = {c: {"zh": zh[c], "en": en[c]} for c in codes}
    names = [(n, c) for c in codes for n in (zh[c], en[c])] + list(ALIASES.items())
    return shown, TermMatcher(names, last_wins=True)


def country_name(code: str | None, lang: str) -> str:
    """CLDR's name of the country ``code`` in ``lang``; the code itself if unknown."""
    shown = _names()[0]
    return shown[code]["zh" if lang == "zh" else "en"] if code in shown else (code or "")


def is_country(code: str | None) -> bool:
    return (code or "") in _names()[0]


def find_country(text: str) -> str | None:
    """The ISO code of the one country ``text`` names; None for none or several."""
    folded = normalize(text or "").strip(" .!。！")[:200]
    if folded in EXACT_ALIASES:
        return EXACT_ALIASES[folded]
    found = set(_names()[1].values(folded, normalised=True))
    return found.pop() if len(found) == 1 else None
