"""The services and service windows, loaded from YAML and checked before anything uses them.

Why data and not code: the windows' opening hours, capacity and contact details belong to the
operator, change without a release and must never be guessed. ``data/catalogue.yml`` ships the
services (each tied to the policy article it comes from) and one window per prefecture-level city
plus the provincial window, with operator defaults and *placeholders* for contact details. An
untracked YAML file named by ``APPOINTMENTS_CATALOGUE_OVERRIDES`` is merged on top, by id, so a
deployment sets its real addresses and hours without editing tracked files.

Everything is validated on load by the pydantic models below (:class:`CatalogueError` names the file,
the entry and field, and what is wrong), so a typo in an override fails at start-up instead of in the
middle of a conversation.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ConstrainedInt, Field, StrictBool, root_validator, validator

from datafile import IsoDate, Model, Text, ValidationError, fail_at, problems
from lexicon.match import TermMatcher
from lexicon.normalize import fold

DATA_FILE = Path(__file__).resolve().parent / "data" / "catalogue.yml"
OVERRIDES_ENV = "APPOINTMENTS_CATALOGUE_OVERRIDES"
LANGS = ("zh", "en")


class CatalogueError(ValueError):
    """The catalogue (or an operator override) breaks a rule the booking code relies on."""


class UnknownId(KeyError):
    """A window or service id that the catalogue does not have."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else "unknown id"


class Id(str):
    """An id like ``work_permit``: a-z first, then a-z, 0-9 or _, 2 to 40 characters."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise ValueError("expected an id like 'work_permit' (a-z, 0-9, _)")
        return value


class ClockTime(dt.time):
    """A time of day written "HH:MM" (quoted: YAML 1.1 reads an unquoted 09:00 as a base-60 number)."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], dt.time]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> dt.time:
        if isinstance(value, int):
            raise ValueError(f'quote the time, e.g. "09:00" (YAML read it as the number {value})')
        m = _HHMM.match(value) if isinstance(value, str) else None
        if not m:
            raise ValueError('expected a time "HH:MM"')
        return dt.time(int(m[1]), int(m[2]))


class _ArticleNumber(ConstrainedInt):
    strict, ge, le = True, 1, 25


class _SlotMinutes(ConstrainedInt):
    strict, ge, le = True, 5, 240


class _Capacity(ConstrainedInt):
    strict, ge, le = True, 1, 100


class _HorizonDays(ConstrainedInt):
    strict, ge, le = True, 1, 366


class _NoticeMinutes(ConstrainedInt):
    strict, ge, le = True, 0, 7 * 24 * 60


class Period(Model):
    """One opening period of a working day; the gaps between periods are breaks (lunch)."""

    start: ClockTime
    end: ClockTime

    @root_validator(skip_on_failure=True)
    @classmethod
    def _end_after_start(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["end"] <= values["start"]:
            raise ValueError(f"end {values['end']:%H:%M} is not after start {values['start']:%H:%M}")
        return values


class Contact(Model):
    """A window's contact details; ``placeholder`` means the operator has not configured them yet."""

    placeholder: StrictBool = True
    address_zh: Text | None = None
    address_en: Text | None = None
    phone: Text | None = None
    email: Text | None = None

    @root_validator(skip_on_failure=True)
    @classmethod
    def _details_match_placeholder(cls, values: dict[str, Any]) -> dict[str, Any]:
        filled = any(values[k] is not None for k in ("address_zh", "address_en", "phone", "email"))
        if values["placeholder"] and filled:
            raise ValueError("details are set but placeholder is still true; set placeholder: false")
        if not values["placeholder"] and not filled:
            raise ValueError("placeholder is false but no address, phone or email is set")
        return values


class Service(Model):
    id: Id
    article: _ArticleNumber  # 1..25, the article of 晋发〔2017〕47号 the service comes from
    name_zh: Text
    name_en: Text

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


class _Calendar(Model):
    """Dates that override the national calendar (for every window, or in a window's own entry)."""

    closed_dates: frozenset[IsoDate] = frozenset()
    extra_working_dates: frozenset[IsoDate] = frozenset()

    @root_validator(skip_on_failure=True)
    @classmethod
    def _not_both(cls, values: dict[str, Any]) -> dict[str, Any]:
        both = sorted(values["closed_dates"] & values["extra_working_dates"])
        if both:
            raise ValueError(f"dates both closed and extra working: {', '.join(map(str, both))}")
        return values


class Window(_Calendar):
    id: Id
    level: Literal["provincial", "city"]
    city_zh: Text
    city_en: Text
    aliases: tuple[Text, ...] = ()
    keywords: tuple[Text, ...] = ()  # level words ("省级", "provincial"): they match, but weaker than places
    name_zh: Text
    name_en: Text
    hours: tuple[Period, ...]
    hours_operator_default: StrictBool = Field(False, alias="operator_default")
    slot_minutes: _SlotMinutes
    capacity: _Capacity
    contact: Contact = Contact()
    services: tuple[str, ...] | None = None  # None: every service in the catalogue

    @validator("hours")
    @classmethod
    def _hours_in_order(cls, hours: tuple[Period, ...]) -> tuple[Period, ...]:
        if not hours:
            raise ValueError("at least one opening period is needed")
        for a, b in zip(hours, hours[1:], strict=False):
            if b.start < a.end:
                raise ValueError(f"periods must be in order and not overlap ({a.end:%H:%M} > {b.start:%H:%M})")
        return hours

    @root_validator(skip_on_failure=True)
    @classmethod
    def _periods_hold_a_slot(cls, values: dict[str, Any]) -> dict[str, Any]:
        slot = values["slot_minutes"]
        for i, p in enumerate(values["hours"]):
            if _minutes(p.end) - _minutes(p.start) < slot:
                fail_at(cls, ("hours", i), f"period {p.start:%H:%M}-{p.end:%H:%M} is shorter than one slot ({slot} min)")
        return values

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def city(self, lang: str) -> str:
        return self.city_zh if lang == "zh" else self.city_en

    def offers(self, service_id: str) -> bool:
        return self.services is None or service_id in self.services


class BookingRules(Model):
    horizon_days: _HorizonDays = Field(default=30)  # the last bookable day is today + horizon_days
    min_notice_minutes: _NoticeMinutes = Field(default=0)  # a slot must start at least this long after "now"
    operator_default: StrictBool = False


class _Document(Model):
    """The whole catalogue.yml (after the operator's overrides are merged in)."""

    booking: BookingRules = BookingRules()
    calendar: _Calendar = _Calendar()
    defaults: dict[str, Any] = {}  # applied to every window that does not say otherwise
    services: tuple[Service, ...]
    windows: tuple[Window, ...]  # the provincial window first

    @validator("services")
    @classmethod
    def _services(cls, services: tuple[Service, ...]) -> tuple[Service, ...]:
        _unique(cls, [s.id for s in services], "service")
        return services

    @validator("windows")
    @classmethod
    def _windows(cls, windows: tuple[Window, ...], values: dict[str, Any]) -> tuple[Window, ...]:
        _unique(cls, [w.id for w in windows], "window")
        known = {s.id for s in values.get("services", ())}
        for i, w in enumerate(windows):
            unknown = [sid for sid in w.services or () if sid not in known]
            if unknown and "services" in values:
                fail_at(cls, (i, "services"), f"unknown service id {unknown[0]!r}")
        return windows


def _unique(model: type[Model], ids: list[str], kind: str) -> None:
    if not ids:
        raise ValueError(f"at least one {kind} is needed")
    for i, entry_id in enumerate(ids):
        if ids.index(entry_id) != i:
            fail_at(model, (i, "id"), "duplicate id")


@dataclass(frozen=True)
class Catalogue:
    services: dict[str, Service]
    windows: dict[str, Window]  # in catalogue order: the provincial window first
    rules: BookingRules
    closed_dates: frozenset[dt.date]  # operator overrides for every window
    extra_working_dates: frozenset[dt.date]
    sources: tuple[str, ...]  # files merged, for messages

    def service(self, service_id: str) -> Service:
        try:
            return self.services[service_id]
        except KeyError:
            raise UnknownId(f"unknown service id {service_id!r}; known: {', '.join(self.services)}") from None

    def window(self, window_id: str) -> Window:
        try:
            return self.windows[window_id]
        except KeyError:
            raise UnknownId(f"unknown window id {window_id!r}; known: {', '.join(self.windows)}") from None

    def find_windows(self, text: str) -> list[Window]:
        """The windows ``text`` names (city, alias or id, either language), best matches only.

        Several windows come back when the text is ambiguous: plain "太原"/"Taiyuan" names both
        the provincial window and the Taiyuan city window, so the conversation should ask.
        "太原市" or "Taiyuan City" name the city window, "省级"/"provincial" the provincial one.
        """
        folded = fold(text)
        if not folded:
            return []
        scored: list[tuple[tuple[int, int], int, Window]] = []
        for order, w in enumerate(self.windows.values()):
            places = (w.id, w.city_zh, w.city_en, w.name_zh, w.name_en, *w.aliases)
            score = (_longest_match(folded, places), _longest_match(folded, w.keywords))
            if score != (0, 0):
                scored.append((score, order, w))
        if not scored:
            return []
        best = max(s for s, _, _ in scored)
        return [w for s, _, w in sorted(scored, key=lambda t: t[1]) if s == best]

    def find_window(self, text: str) -> Window | None:
        """The best window for ``text`` (the first of :meth:`find_windows`), or None."""
        found = self.find_windows(text)
        return found[0] if found else None

    def contact_text(self, window_id: str, lang: str) -> str:
        """What a visitor needs to reach the window, in ``lang``; honest when not configured yet."""
        w = self.window(window_id)
        c = w.contact
        if c.placeholder:
            if lang == "zh":
                return f"{w.name_zh}的地址和联系方式正由运营方配置，暂未公布；请到窗口现场或向工作人员咨询。"
            return (
                f"The address and contact details of the {w.name_en} are still being configured by the "
                "operator and are not published yet; please ask at the window or ask the staff."
            )
        address = (c.address_zh if lang == "zh" else c.address_en or c.address_zh)
        labels = {"zh": ("地址", "电话", "邮箱"), "en": ("Address", "Phone", "Email")}[lang if lang in LANGS else "en"]
        sep = "：" if lang == "zh" else ": "
        lines = [w.name(lang)] + [
            f"{label}{sep}{value}" for label, value in zip(labels, (address, c.phone, c.email), strict=True) if value
        ]
        return "\n".join(lines)


@lru_cache(maxsize=256)
def _terms(terms: tuple[str, ...]) -> TermMatcher[None]:
    return TermMatcher((t, None) for t in terms)


def _longest_match(text: str, terms: tuple[str, ...]) -> int:
    """The length of the longest of ``terms`` in ``text`` (ASCII ones as whole words: "dating" is no city)."""
    hit = _terms(terms).longest(text, normalised=True)
    return len(hit.term) if hit else 0


# --------------------------------------------------------------------------- loading


def load_catalogue(path: Path | str | None = None, overrides: Path | str | None = None) -> Catalogue:
    """Read the shipped catalogue, merge the operator overrides and validate the result.

    ``overrides`` defaults to the file named by ``APPOINTMENTS_CATALOGUE_OVERRIDES`` (unset: none).
    """
    path = Path(path) if path else DATA_FILE
    raw = _read_yaml(path)
    sources = [str(path)]
    if overrides is None:
        overrides = os.environ.get(OVERRIDES_ENV) or None
    over = None
    if overrides:
        over_path = Path(overrides)
        if not over_path.is_file():
            raise CatalogueError(f"{OVERRIDES_ENV}: no such file: {over_path}")
        over = _read_yaml(over_path)
        raw = merge_overrides(raw, over)
        sources.append(str(over_path))
    return _build(raw, tuple(sources), over)


@lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    """The process-wide catalogue (shipped file + overrides), loaded once; see :func:`reload_catalogue`."""
    return load_catalogue()


def reload_catalogue() -> Catalogue:
    get_catalogue.cache_clear()
    return get_catalogue()


def contact_text(window_id: str, lang: str, catalogue: Catalogue | None = None) -> str:
    """The window's contact details in ``lang``, or the honest "being configured" message."""
    return (catalogue or get_catalogue()).contact_text(window_id, lang)


def find_window(text: str, catalogue: Catalogue | None = None) -> Window | None:
    """Resolve a city name or alias in either language to a window (see :meth:`Catalogue.find_windows`)."""
    return (catalogue or get_catalogue()).find_window(text)


def find_windows(text: str, catalogue: Catalogue | None = None) -> list[Window]:
    return (catalogue or get_catalogue()).find_windows(text)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise CatalogueError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise CatalogueError(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: expected a mapping at the top level")
    return data


def merge_overrides(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge an operator override document into the shipped one.

    ``windows`` and ``services`` in the override are mappings keyed by id (the shipped file has
    lists); an id the catalogue does not know is an error, so a typo cannot silently do nothing.
    Other sections (``booking``, ``calendar``, ``defaults``) merge key by key; lists are replaced.
    """
    allowed = {"booking", "calendar", "defaults", "windows", "services"}
    unknown = set(over) - allowed
    if unknown:
        raise CatalogueError(f"overrides: unknown section(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    merged = copy.deepcopy(base)
    for section in ("booking", "calendar", "defaults"):
        if section in over:
            merged[section] = _deep_merge(merged.get(section) or {}, _mapping(over[section], f"overrides.{section}"))
    for section in ("windows", "services"):
        if section not in over:
            continue
        patches = _mapping(over[section], f"overrides.{section} (a mapping keyed by id)")
        entries = merged.get(section) or []
        by_id = {e.get("id"): i for i, e in enumerate(entries)}
        for entry_id, patch in patches.items():
            if entry_id not in by_id:
                raise CatalogueError(f"overrides.{section}: unknown id {entry_id!r}; known: {', '.join(map(str, by_id))}")
            patch = _mapping(patch, f"overrides.{section}.{entry_id}")
            if "id" in patch and patch["id"] != entry_id:
                raise CatalogueError(f"overrides.{section}.{entry_id}: ids cannot be changed")
            entries[by_id[entry_id]] = _deep_merge(entries[by_id[entry_id]], patch)
    return merged


def _deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(copy.deepcopy(base))
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CatalogueError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


# --------------------------------------------------------------------------- validation

_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _build(raw: dict[str, Any], sources: tuple[str, ...], over: Mapping[str, Any] | None = None) -> Catalogue:
    """Validate the merged document; each problem names the file it comes from (the override's when
    the override sets that value), its path in the document and what is wrong."""
    raw = _with_defaults(raw)
    try:
        doc = _Document.parse_obj(raw)
    except ValidationError as e:
        raise CatalogueError("; ".join(f"{_blame(p.loc, raw, over, sources)}: {p}" for p in problems(e, raw))) from None
    return Catalogue(
        services={s.id: s for s in doc.services},
        windows={w.id: w for w in doc.windows},
        rules=doc.booking,
        closed_dates=doc.calendar.closed_dates,
        extra_working_dates=doc.calendar.extra_working_dates,
        sources=sources,
    )


def _with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """The document with ``defaults`` merged into every window (and empty sections as absent)."""
    doc = {k: v for k, v in raw.items() if not (k in ("booking", "calendar", "defaults") and v is None)}
    defaults, windows = doc.get("defaults") or {}, doc.get("windows")
    if isinstance(defaults, Mapping) and isinstance(windows, list):
        doc["windows"] = [_deep_merge(defaults, w) if isinstance(w, Mapping) else w for w in windows]
    return doc


def _blame(loc: tuple[int | str, ...], raw: Mapping[str, Any], over: Mapping[str, Any] | None,
           sources: tuple[str, ...]) -> str:
    """The file that set the value at ``loc``: the override if it has that entry's key, else the shipped file."""
    if over is None or not loc:
        return sources[0]
    section, rest = loc[0], loc[1:]
    node = over.get(str(section))
    if section in ("windows", "services") and rest and isinstance(rest[0], int):
        entries = raw.get(str(section)) or []
        entry = entries[rest[0]] if rest[0] < len(entries) and isinstance(entries[rest[0]], Mapping) else {}
        patch = node.get(entry.get("id")) if isinstance(node, Mapping) else None
        key = rest[1] if len(rest) > 1 else None
        if isinstance(patch, Mapping) and (key is None or key in patch):
            return sources[1]
        over_defaults = over.get("defaults")
        if section == "windows" and isinstance(over_defaults, Mapping) and key in over_defaults:
            return sources[1]
        return sources[0]
    return sources[1] if isinstance(node, Mapping) and (not rest or rest[0] in node) else sources[0]


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute
