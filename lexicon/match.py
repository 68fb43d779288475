"""Finding known terms in text: the one matcher behind the search, the NLU, the profile and the catalogue.

Rules, the same everywhere a user's words are compared with known terms:

* both the terms and the text are normalised the same way (:func:`lexicon.normalize.normalize` unless
  the caller gives its own normaliser);
* a term of ASCII characters matches whole words only: "pr" is not in "program", "ai" not in "retail";
  other terms (Chinese) match anywhere, as Chinese has no spaces;
* :meth:`TermMatcher.find`: left to right, the longest term at each position wins and matches do not
  overlap, so 永久居留证 is permanent residence and not also a residence permit (居留证);
* :meth:`TermMatcher.longest`: the single longest term anywhere in the text ("新能源汽车" names new-energy
  vehicles, not new energy), ties going to the term given first.

One regular expression of literal alternatives (longest first): no nested quantifiers, so it runs in
time linear in the text for a fixed set of terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from lexicon.normalize import normalize

V = TypeVar("V")
_WORD_CHAR = "a-z0-9"


@dataclass(frozen=True)
class Hit(Generic[V]):
    """A term found at ``start:end`` of the normalised text, with the value it was given."""

    term: str
    value: V
    start: int
    end: int


def term_pattern(term: str) -> str:
    """The regex of one (normalised) term: ASCII terms only as whole words."""
    escaped = re.escape(term)
    if term.isascii():
        return rf"(?<![{_WORD_CHAR}]){escaped}(?![{_WORD_CHAR}])"
    return escaped


class TermMatcher(Generic[V]):
    """Terms, each with a value, found in text by the rules of this module.

    ``terms`` are (term, value) pairs or a mapping; a term that normalises to one already given keeps
    the first value unless ``last_wins`` (a mapping built by later entries overriding earlier ones).
    Empty terms are dropped.
    """

    def __init__(self, terms: Mapping[str, V] | Iterable[tuple[str, V]], *,
                 normalise: Callable[[str], str] = normalize, last_wins: bool = False) -> None:
        self.normalise = normalise
        pairs = terms.items() if isinstance(terms, Mapping) else terms
        self._values: dict[str, V] = {}
        for term, value in pairs:
            norm = normalise(term)
            if norm and (last_wins or norm not in self._values):
                self._values[norm] = value
        self._order = {term: i for i, term in enumerate(self._values)}
        alternatives = "|".join(term_pattern(t) for t in sorted(self._values, key=len, reverse=True))
        self._find = re.compile(alternatives or r"(?!x)x")
        self._anywhere = re.compile(f"(?=({alternatives}))" if alternatives else r"(?!x)x")

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, term: str) -> bool:
        return term in self._values

    def get(self, text: str, *, normalised: bool = False) -> V | None:
        """The value of the term that the whole of ``text`` is, or None."""
        return self._values.get(text if normalised else self.normalise(text))

    def find(self, text: str, *, normalised: bool = False) -> list[Hit[V]]:
        """Every term in ``text``, left to right, longest first, not overlapping.

        Spans index the normalised text (``normalised=True``: ``text`` is already normalised).
        """
        norm = text if normalised else self.normalise(text)
        return [Hit(m.group(0), self._values[m.group(0)], m.start(), m.end()) for m in self._find.finditer(norm)]

    def values(self, text: str, *, normalised: bool = False) -> list[V]:
        """The values of :meth:`find`'s hits, in order."""
        return [h.value for h in self.find(text, normalised=normalised)]

    def longest(self, text: str, *, normalised: bool = False) -> Hit[V] | None:
        """The longest term anywhere in ``text`` (overlaps allowed), ties to the term given first."""
        norm = text if normalised else self.normalise(text)
        best: Hit[V] | None = None
        for m in self._anywhere.finditer(norm):
            term = m.group(1)
            if best is None or (len(term), -self._order[term]) > (len(best.term), -self._order[best.term]):
                best = Hit(term, self._values[term], m.start(), m.start() + len(term))
        return best
