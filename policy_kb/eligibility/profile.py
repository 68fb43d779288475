"""The pre-check's input: a candidate's profile, validated before any rule sees it.

Every key is optional, and a missing key or ``null`` means "not answered": the rules then report it
as missing instead of guessing. Anything else that is not a possible answer (an unknown key, a
string where a number belongs, ``true`` where a number belongs, age -5, HSK 9, more years of work
than years of life) raises :class:`ProfileError` naming the key and what it expects, so that the CLI
and the chat form can say exactly what to fix.

``talent_programme`` records selection by a talent-introduction programme, because articles 6 and
19 and the national class A depend on it: ``none``; ``provincial_regular`` (省级常规引才项目);
``provincial_key`` (省级重点引才项目); ``national`` (a national programme such as 外专千人计划);
``unspecified`` (selected, but not said by which programme). A plain JSON ``true`` is the last
(people answer "yes" before they name the programme) and ``false`` is ``none``; the rules then treat
``unspecified`` as "some programme, not known which" (see :mod:`policy_kb.eligibility.rules`).
``field`` is free text in either language, mapped to a field the policy names through the aliases in
``facts.yml``; text that maps to none is kept, and the rules say it is not a priority field. A match
on the field's own name (the policy's words) sets ``field_named``; a match on an alias only is our
reading of the text, and the reasons say so ("English teacher, which we read as education").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lexicon.match import TermMatcher
from lexicon.normalize import normalize
from policy_kb.eligibility.data import load_facts

#: Degrees in ascending order: ``degree_at_least`` compares positions in this tuple.
DEGREES = ("none", "bachelor", "master", "doctorate")
DEGREE_FROM = ("china", "overseas_top", "overseas")
ROLES = ("researcher", "engineer", "manager", "entrepreneur", "teacher", "doctor", "other")
PROGRAMMES = ("none", "provincial_regular", "provincial_key", "national", "unspecified")
#: Yes/no answers a choice also accepts: "selected by a programme?" -> yes (which one unknown) / no.
_YES_NO_CHOICES = {"talent_programme": {True: "unspecified", False: "none"}}
MAX_AGE = 120
MAX_YEARS = 100
MAX_FIELD_CHARS = 200


_NOTHING = object()
_SHOWN_CHARS = 60


class ProfileError(ValueError):
    """One profile value that cannot be right; ``str()`` is the one line the CLI prints."""

    def __init__(self, field: str, expected: str, got: Any = _NOTHING) -> None:
        self.field = field
        self.expected = expected
        shown = "" if got is _NOTHING else ", got " + _short(repr(got))
        super().__init__(f"{_short(field)}: expected {expected}{shown}")


def _short(text: str) -> str:
    """Keep the error on one short line whatever the user sent (newlines, 10,000 characters)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_CHARS else flat[: _SHOWN_CHARS - 1] + "…"


@dataclass(frozen=True)
class Profile:
    """A validated profile; ``None`` everywhere means "not answered"."""

    degree: str | None = None
    degree_from: str | None = None
    years_experience: float | None = None
    field: str | None = None
    age: int | None = None
    role: str | None = None
    advanced_technology: bool | None = None
    shanxi_roots: bool | None = None
    hk_macao_taiwan: bool | None = None
    years_in_shanxi: float | None = None
    talent_programme: str | None = None
    annual_salary_cny: float | None = None
    months_per_year_in_china: float | None = None
    hsk_level: int | None = None
    former_chinese_national: bool | None = None
    fortune500_experience: bool | None = None
    holds_ip: bool | None = None
    #: The facts.yml field ``field`` maps to (derived, not an input key).
    field_id: str | None = None
    #: Whether ``field`` names that field in the policy's own words, not through an alias (derived).
    field_named: bool | None = None


@dataclass(frozen=True)
class _Spec:
    kind: str  # "choice" | "number" | "whole" | "yes_no" | "text"
    choices: tuple[str, ...] = ()
    low: float = 0
    high: float = math.inf

    def expected(self, key: str = "") -> str:
        if self.kind == "choice":
            also = ", or true (yes, not said which) or false" if key in _YES_NO_CHOICES else ""
            return "one of " + "|".join(self.choices) + also
        if self.kind == "yes_no":
            return "true or false"
        if self.kind == "text":
            return f"non-empty text of at most {MAX_FIELD_CHARS} characters"
        noun = "a whole number" if self.kind == "whole" else "a number"
        return f"{noun} >= {self.low:g}" if self.high == math.inf else f"{noun} from {self.low:g} to {self.high:g}"


#: The input schema, in the order questions are asked and missing answers listed.
SCHEMA: dict[str, _Spec] = {
    "degree": _Spec("choice", DEGREES),
    "degree_from": _Spec("choice", DEGREE_FROM),
    "years_experience": _Spec("number", high=MAX_YEARS),
    "field": _Spec("text"),
    "age": _Spec("whole", high=MAX_AGE),
    "role": _Spec("choice", ROLES),
    "advanced_technology": _Spec("yes_no"),
    "shanxi_roots": _Spec("yes_no"),
    "hk_macao_taiwan": _Spec("yes_no"),
    "years_in_shanxi": _Spec("number", high=MAX_YEARS),
    "talent_programme": _Spec("choice", PROGRAMMES),
    "annual_salary_cny": _Spec("number"),
    "months_per_year_in_china": _Spec("number", high=12),
    "hsk_level": _Spec("whole", high=6),
    "former_chinese_national": _Spec("yes_no"),
    "fortune500_experience": _Spec("yes_no"),
    "holds_ip": _Spec("yes_no"),
}


def _check(key: str, value: Any) -> Any:
    spec = SCHEMA[key]
    if spec.kind == "choice":
        if isinstance(value, bool) and key in _YES_NO_CHOICES:
            return _YES_NO_CHOICES[key][value]
        if not isinstance(value, str) or value not in spec.choices:
            raise ProfileError(key, spec.expected(key), value)
        return value
    if spec.kind == "yes_no":
        if not isinstance(value, bool):
            raise ProfileError(key, spec.expected(), value)
        return value
    if spec.kind == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD_CHARS:
            raise ProfileError(key, spec.expected(), value)
        return value.strip()
    # numbers: bool is an int subclass in Python, but true is not a number of years
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        raise ProfileError(key, spec.expected(), value)
    if spec.kind == "whole" and value != int(value):
        raise ProfileError(key, spec.expected(), value)
    if not spec.low <= value <= spec.high:
        raise ProfileError(key, spec.expected(), value)
    return int(value) if spec.kind == "whole" else value


def _cross_check(values: dict[str, Any]) -> None:
    """Combinations no real person has."""
    age = values.get("age")
    for key in ("years_experience", "years_in_shanxi"):
        if age is not None and values.get(key) is not None and values[key] > age:
            raise ProfileError(key, f"at most the age ({age})", values[key])
    if values.get("degree") == "none" and values.get("degree_from") is not None:
        raise ProfileError("degree_from", "no value when degree is 'none'", values["degree_from"])


def parse_profile(data: Mapping[str, Any]) -> Profile:
    """Validate a JSON-like mapping into a :class:`Profile`, or raise :class:`ProfileError`."""
    if not isinstance(data, Mapping):
        raise ProfileError("profile", "a JSON object of answers", type(data).__name__)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SCHEMA:
            raise ProfileError(str(key), "a known key (" + ", ".join(SCHEMA) + ")")
        if value is not None:
            values[key] = _check(key, value)
    _cross_check(values)
    if "field" in values:
        values["field_id"], values["field_named"] = match_field(values["field"])
    return Profile(**values)


_NOT_WORD = re.compile(r"[\W_]+")


def _words(text: str) -> str:
    """The matching form (:func:`lexicon.normalize.normalize`) with punctuation as single spaces."""
    return " ".join(_NOT_WORD.sub(" ", normalize(text)).split())


@lru_cache(maxsize=1)
def _field_terms() -> TermMatcher[tuple[str, bool]]:
    """Every name and alias of the policy's fields -> (field id, whether it is the field's own name)."""
    terms = []
    for f in load_facts().fields:
        names = {_words(str(f["zh"])), _words(str(f["en"]))}
        for alias in (f["zh"], f["en"], *f.get("aliases_zh", ()), *f.get("aliases_en", ())):
            terms.append((str(alias), (f["id"], _words(str(alias)) in names)))
    return TermMatcher(terms, normalise=_words)


def match_field(text: str) -> tuple[str | None, bool | None]:
    """The facts.yml field id ``text`` names (or ``None``), and whether by the field's own name.

    An exact name or alias wins; otherwise the longest alias found inside the text ("PhD in data
    science" -> big_data), so that "new energy vehicles" is not taken for "new energy". The flag is
    True when the match is the field's own name in either language (the policy's words), False when
    only an alias matched (our reading), ``None`` without a match.
    """
    terms = _field_terms()
    norm = _words(text)
    exact = terms.get(norm, normalised=True)
    if exact is not None:
        return exact
    hit = terms.longest(norm, normalised=True)
    return hit.value if hit else (None, None)
