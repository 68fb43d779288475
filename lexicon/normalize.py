"""The one normal form for matching user text with known words, and the OpenCC script conversions.

Users type full-width letters (ＰｈＤ), traditional characters (永久居留證) and capitals; the KB's
terms, the catalogue's city names and the field aliases are simplified and mostly lower case. Both
sides go through :func:`normalize` before they are compared, so each of those spellings matches.

Both conversions are OpenCC's: ``t2s`` for matching, ``s2tw`` (Taiwan's standard forms, which Hong
Kong and Macao readers read too) for replies to users who write traditional characters.
"""

from __future__ import annotations

import unicodedata

import opencc

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2tw")


def to_simplified(text: str) -> str:
    return _T2S.convert(text)


def to_traditional(text: str) -> str:
    return _S2T.convert(text)


def normalize(text: str) -> str:
    """NFKC (full width to half width), simplified characters, lower case."""
    return to_simplified(unicodedata.normalize("NFKC", text or "")).lower()


def fold(text: str) -> str:
    """:func:`normalize`, trimmed: the form for comparing a whole typed answer with a name."""
    return normalize(text).strip()
