"""Shanxi's cities and counties (``data/shanxi_divisions.yml``), and the ancestral place in what people type.

People name their ancestral place as they would to a neighbour: "太原小店", "运城 临猗县", "临猗" (a
county alone), "山西省太原市小店区", "運城臨猗縣" (traditional characters), "Xiaodian, Taiyuan", "Linyi
County". :func:`find_place` reads all of these: the text is normalised first (NFKC, simplified
characters, lower case: :func:`lexicon.normalize.normalize`), then
every city and county name is looked for, its full name ("小店区", "Xiaodian District") and its stem
("小店", "xiaodian"; stems of one character, such as 盂 of 盂县, only with their suffix), longest first
and without overlaps, in one linear-time alternation. A county decides the city; a city and a county
that do not belong together, or a name several places share (城区, English "Pinglu"), are ambiguous
and the caller asks which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from lexicon.match import TermMatcher
from lexicon.normalize import normalize

DATA = Path(__file__).resolve().parent / "data" / "shanxi_divisions.yml"
#: Generic words around a place name that carry nothing: "山西省", "province", "shi", "county".
_SEPARATORS = re.compile(r"[,\-]")
_EN_SUFFIXES = ("district", "county", "city", "prefecture", "qu", "xian", "shi")


@dataclass(frozen=True)
class Division:
    """A city (``parent`` None) or a county-level division, by its NBS code."""

    code: str
    zh: str
    en: str
    parent: str | None = None
    zone: bool = False
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Place:
    """What a text names: a city and perhaps its county; ``candidates`` when it is ambiguous."""

    city: Division | None = None
    county: Division | None = None
    candidates: tuple[Division, ...] = ()

    @property
    def found(self) -> bool:
        return self.city is not None


class Divisions:
    """The cities and counties, and the matcher over their names."""

    def __init__(self, path: Path = DATA) -> None:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.by_code: dict[str, Division] = {}
        for c in doc["cities"]:
            self.by_code[c["code"]] = Division(c["code"], c["zh"], c["en"], aliases=tuple(c.get("aliases") or ()))
            for a in c["counties"]:
                self.by_code[a["code"]] = Division(a["code"], a["zh"], a["en"], c["code"], bool(a.get("zone")),
                                                   tuple(a.get("aliases") or ()))
        self.cities = [d for d in self.by_code.values() if d.parent is None]
        names: dict[str, set[str]] = {}
        for d in self.by_code.values():
            for n in _names(d):
                for spelling in {_fold(n), _fold(n).replace(" ", "")}:  # "xiao dian", "Xiaodian-District", "xiaodiandistrict"
                    names.setdefault(spelling, set()).add(d.code)
        self._matcher = TermMatcher(names, normalise=_fold)

    def counties(self, city_code: str) -> list[Division]:
        return [d for d in self.by_code.values() if d.parent == city_code]

    def get(self, code: str | None) -> Division | None:
        return self.by_code.get(code or "")

    def find(self, text: str) -> Place:
        """The place ``text`` names; ``Place()`` when it names none (or is too long to be a place)."""
        folded = _fold(text or "")[:200]
        found = {self.by_code[c] for codes in self._matcher.values(folded, normalised=True) for c in codes}
        if not found:
            return Place()
        cities = {d.code for d in found if d.parent is None}
        counties = [d for d in found if d.parent is not None]
        if counties:
            within = [d for d in counties if d.parent in cities] if cities else counties
            if len(within) == 1 and within[0].parent:
                return Place(self.by_code[within[0].parent], within[0])
            return Place(candidates=tuple(sorted(within or counties, key=lambda d: d.code)))
        if len(cities) == 1:
            return Place(self.by_code[cities.pop()])
        return Place(candidates=tuple(sorted((self.by_code[c] for c in cities), key=lambda d: d.code)))


def _names(d: Division) -> set[str]:
    """The normalised names a division is known by: full names, stems, aliases, in both languages."""
    out = {normalize(d.zh), *(normalize(a) for a in d.aliases)}
    stem = d.zh[:-1] if d.zh[-1] in "市区县" else d.zh
    if len(stem) >= 2 and d.zh not in ("城区", "矿区", "郊区"):
        out.add(normalize(stem))
    en = normalize(d.en)
    out.add(en)
    words = en.split()
    if len(words) > 1 and words[-1] in _EN_SUFFIXES:
        base = " ".join(words[:-1])
        if len(base) >= 4 and not d.zone:  # "yu" alone is a word of many languages; "yu county" is not
            out.add(base)
    return out


def _fold(text: str) -> str:
    """Normalised, with hyphens and commas read as spaces and runs of spaces as one."""
    return " ".join(_SEPARATORS.sub(" ", normalize(text)).split())


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    """The one loaded copy (the file does not change while a process runs)."""
    return Divisions()


def find_place(text: str) -> Place:
    return divisions().find(text)
