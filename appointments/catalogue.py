"""The services and service windows, loaded from YAML and checked before anything uses them.

Why data and not code: the windows' opening hours, capacity and contact details belong to the
operator, change without a release and must never be guessed. ``data/catalogue.yml`` ships the
services (each tied to the policy article it comes from) and one window per prefecture-level city
plus the provincial window, with operator defaults and *placeholders* for contact details. An
untracked YAML file named by ``APPOINTMENTS_CATALOGUE_OVERRIDES`` is merged on top, by id, so a
deployment sets its real addresses and hours without editing tracked files.

Everything is validated on load (:class:`CatalogueError` says which entry and field is wrong), so a
typo in an override fails at start-up instead of in the middle of a conversation.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

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


@dataclass(frozen=True)
class Period:
    """One opening period of a working day; the gaps between periods are breaks (lunch)."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Contact:
    """A window's contact details; ``placeholder`` means the operator has not configured them yet."""

    placeholder: bool
    address_zh: str | None = None
    address_en: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Service:
    id: str
    article: int  # 1..25, the article of 晋发〔2017〕47号 the service comes from
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Window:
    id: str
    level: str  # "provincial" | "city"
    city_zh: str
    city_en: str
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]  # level words ("省级", "provincial"): they match, but weaker than places
    name_zh: str
    name_en: str
    hours: tuple[Period, ...]
    hours_operator_default: bool
    slot_minutes: int
    capacity: int
    contact: Contact
    services: tuple[str, ...] | None  # None: every service in the catalogue
    closed_dates: frozenset[dt.date]
    extra_working_dates: frozenset[dt.date]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def city(self, lang: str) -> str:
        return self.city_zh if lang == "zh" else self.city_en

    def offers(self, service_id: str) -> bool:
        return self.services is None or service_id in self.services


@dataclass(frozen=True)
class BookingRules:
    horizon_days: int  # the last bookable day is today + horizon_days
    min_notice_minutes: int  # a slot must start at least this long after "now"
    operator_default: bool


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
    if overrides:
        over_path = Path(overrides)
        if not over_path.is_file():
            raise CatalogueError(f"{OVERRIDES_ENV}: no such file: {over_path}")
        raw = merge_overrides(raw, _read_yaml(over_path))
        sources.append(str(over_path))
    return _build(raw, tuple(sources))


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
_CONTACT_FIELDS = ("address_zh", "address_en", "phone", "email")


def _build(raw: dict[str, Any], sources: tuple[str, ...]) -> Catalogue:
    booking = _mapping(raw.get("booking") or {}, "booking")
    rules = BookingRules(
        horizon_days=_int(booking.get("horizon_days", 30), "booking.horizon_days", 1, 366),
        min_notice_minutes=_int(booking.get("min_notice_minutes", 0), "booking.min_notice_minutes", 0, 7 * 24 * 60),
        operator_default=bool(booking.get("operator_default", False)),
    )
    cal = _mapping(raw.get("calendar") or {}, "calendar")
    closed = _dates(cal.get("closed_dates"), "calendar.closed_dates")
    extra = _dates(cal.get("extra_working_dates"), "calendar.extra_working_dates")
    _no_overlap(closed, extra, "calendar")

    services: dict[str, Service] = {}
    for i, s in enumerate(_list(raw.get("services"), "services")):
        where = f"services[{i}]"
        s = _mapping(s, where)
        sid = _id(s.get("id"), f"{where}.id")
        where = f"services.{sid}"
        if sid in services:
            raise CatalogueError(f"{where}: duplicate id")
        services[sid] = Service(
            id=sid,
            article=_int(s.get("article"), f"{where}.article", 1, 25),
            name_zh=_text(s.get("name_zh"), f"{where}.name_zh"),
            name_en=_text(s.get("name_en"), f"{where}.name_en"),
        )
    if not services:
        raise CatalogueError("services: at least one service is needed")

    defaults = _mapping(raw.get("defaults") or {}, "defaults")
    windows: dict[str, Window] = {}
    for i, w in enumerate(_list(raw.get("windows"), "windows")):
        w = _mapping(w, f"windows[{i}]")
        wid = _id(w.get("id"), f"windows[{i}].id")
        if wid in windows:
            raise CatalogueError(f"windows.{wid}: duplicate id")
        windows[wid] = _window(wid, _deep_merge(defaults, w), services)
    if not windows:
        raise CatalogueError("windows: at least one window is needed")
    return Catalogue(services, windows, rules, closed, extra, sources)


def _window(wid: str, w: Mapping[str, Any], services: Mapping[str, Service]) -> Window:
    where = f"windows.{wid}"
    level = w.get("level")
    if level not in ("provincial", "city"):
        raise CatalogueError(f"{where}.level: expected 'provincial' or 'city', got {level!r}")
    hours = tuple(_period(p, f"{where}.hours[{j}]") for j, p in enumerate(_list(w.get("hours"), f"{where}.hours")))
    if not hours:
        raise CatalogueError(f"{where}.hours: at least one opening period is needed")
    for a, b in zip(hours, hours[1:], strict=False):
        if b.start < a.end:
            raise CatalogueError(f"{where}.hours: periods must be in order and not overlap ({a.end:%H:%M} > {b.start:%H:%M})")
    slot = _int(w.get("slot_minutes"), f"{where}.slot_minutes", 5, 240)
    for p in hours:
        if _minutes(p.end) - _minutes(p.start) < slot:
            raise CatalogueError(f"{where}.hours: period {p.start:%H:%M}-{p.end:%H:%M} is shorter than one slot ({slot} min)")
    offered = w.get("services")
    if offered is not None:
        offered = tuple(_list(offered, f"{where}.services"))
        for sid in offered:
            if sid not in services:
                raise CatalogueError(f"{where}.services: unknown service id {sid!r}")
    closed = _dates(w.get("closed_dates"), f"{where}.closed_dates")
    extra = _dates(w.get("extra_working_dates"), f"{where}.extra_working_dates")
    _no_overlap(closed, extra, where)
    return Window(
        id=wid,
        level=level,
        city_zh=_text(w.get("city_zh"), f"{where}.city_zh"),
        city_en=_text(w.get("city_en"), f"{where}.city_en"),
        aliases=tuple(_text(a, f"{where}.aliases") for a in _list(w.get("aliases"), f"{where}.aliases")),
        keywords=tuple(_text(a, f"{where}.keywords") for a in _list(w.get("keywords"), f"{where}.keywords")),
        name_zh=_text(w.get("name_zh"), f"{where}.name_zh"),
        name_en=_text(w.get("name_en"), f"{where}.name_en"),
        hours=hours,
        hours_operator_default=bool(w.get("operator_default", False)),
        slot_minutes=slot,
        capacity=_int(w.get("capacity"), f"{where}.capacity", 1, 100),
        contact=_contact(_mapping(w.get("contact") or {"placeholder": True}, f"{where}.contact"), f"{where}.contact"),
        services=offered,
        closed_dates=closed,
        extra_working_dates=extra,
    )


def _contact(c: Mapping[str, Any], where: str) -> Contact:
    unknown = set(c) - {"placeholder", *_CONTACT_FIELDS}
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {sorted(unknown)}")
    values = {k: c.get(k) for k in _CONTACT_FIELDS}
    for k, v in values.items():
        if v is not None and not (isinstance(v, str) and v.strip()):
            raise CatalogueError(f"{where}.{k}: expected text or null")
    placeholder = c.get("placeholder", True)
    if not isinstance(placeholder, bool):
        raise CatalogueError(f"{where}.placeholder: expected true or false")
    filled = any(v is not None for v in values.values())
    if placeholder and filled:
        raise CatalogueError(f"{where}: details are set but placeholder is still true; set placeholder: false")
    if not placeholder and not filled:
        raise CatalogueError(f"{where}: placeholder is false but no address, phone or email is set")
    return Contact(placeholder=placeholder, **{k: (v.strip() if v else None) for k, v in values.items()})


def _period(p: Any, where: str) -> Period:
    p = _mapping(p, where)
    start, end = _hhmm(p.get("start"), f"{where}.start"), _hhmm(p.get("end"), f"{where}.end")
    if end <= start:
        raise CatalogueError(f"{where}: end {end:%H:%M} is not after start {start:%H:%M}")
    return Period(start, end)


def _hhmm(value: Any, where: str) -> dt.time:
    if isinstance(value, int):  # YAML 1.1 reads an unquoted 09:00 as a base-60 number
        raise CatalogueError(f"{where}: quote the time, e.g. \"09:00\" (YAML read it as the number {value})")
    m = _HHMM.match(value) if isinstance(value, str) else None
    if not m:
        raise CatalogueError(f"{where}: expected a time \"HH:MM\", got {value!r}")
    return dt.time(int(m[1]), int(m[2]))


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise CatalogueError(f"{where}: expected a whole number from {lo} to {hi}, got {value!r}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: expected non-empty text, got {value!r}")
    return value.strip()


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise CatalogueError(f"{where}: expected an id like 'work_permit' (a-z, 0-9, _), got {value!r}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _dates(value: Any, where: str) -> frozenset[dt.date]:
    out = set()
    for v in _list(value, where):
        if isinstance(v, dt.datetime):
            v = v.date()
        if isinstance(v, str):
            try:
                v = dt.date.fromisoformat(v.strip())
            except ValueError:
                raise CatalogueError(f"{where}: expected dates as YYYY-MM-DD, got {v!r}") from None
        if not isinstance(v, dt.date):
            raise CatalogueError(f"{where}: expected dates as YYYY-MM-DD, got {v!r}")
        out.add(v)
    return frozenset(out)


def _no_overlap(closed: frozenset[dt.date], extra: frozenset[dt.date], where: str) -> None:
    both = sorted(closed & extra)
    if both:
        raise CatalogueError(f"{where}: dates both closed and extra working: {', '.join(map(str, both))}")
