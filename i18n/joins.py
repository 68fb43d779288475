"""Joining texts the way each language does, with a two-place pattern from a catalogue.

How two sentences or list items go together is a language's rule (Chinese puts nothing between two
sentences and 、 between items; English a space, a comma or a semicolon), so it is a catalogue text
like any other: ``{left}{right}`` / ``{left} {right}``, applied pairwise, left to right (the way ICU
writes list patterns). A separator on its own could not be one: an empty or blank text is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce

from i18n import Catalogue


def joined(catalogue: Catalogue, key: str, items: Iterable[str], lang: str) -> str:
    """``items`` (the empty ones left out) joined by the pattern ``key`` of ``catalogue``; "" for none."""
    present = [item for item in items if item]
    if not present:
        return ""
    return reduce(lambda left, right: catalogue(key, lang, left=left, right=right), present)
