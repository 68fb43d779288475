"""What the booking conversation's modules share: the constants, the slot names, the store and the clock,
and reading answers (services, codes, names) from the tracker. Prompts, notes and the latest message's
intent, text and entities come from :mod:`actions.form_base`, the base of every form; services named in
the text come from the NLU's ``service`` entity (the KB's terms, :mod:`bot.nlu.components`), not from
extracting again."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from rasa_sdk import Tracker

from actions import form_base
from actions.form_base import FORM_STATE_SLOTS, entity
from actions.language import reply_language
from appointments.catalogue import Catalogue, Service, get_catalogue
from appointments.contacts import normalise_code
from appointments.store import AppointmentStore, database_url, open_store
from appointments.workdays import now_local, to_local
from lexicon.normalize import fold

#: How many slots to offer as buttons.
N_OPTIONS = 4

#: Intents that are never an answer (unless the text answers the question: actions.form_base): the
#: digression rules answer them and the form resumes, or leave the form (handoff, goodbye, a pre-check).
DIGRESSIONS = frozenset(form_base.DIGRESSIONS) | frozenset(form_base.LEAVING) | {"check_eligibility"}
#: A name can look like anything to the NLU ("Anna Schmidt" as chitchat): only clear requests are not names.
NAME_DIGRESSIONS = DIGRESSIONS - {"chitchat", "out_of_scope", "greet"}
#: Intents that may carry the service, window or date of a booking in passing.
CARRIERS = frozenset({"book_appointment", "inform", "nlu_fallback", "reschedule_appointment"})

#: The NLU's ``service`` entity values (KB concepts) that name a catalogue service under another id.
SERVICE_ENTITY = {"green_card": "talent_green_card", "hospital": "medical_appointment"}

BOOKING_SLOTS = ("booking_service", "booking_window", "booking_start", "booking_consent", "booking_name",
                 "booking_contact", "booking_confirmed")
#: Every slot of this module, cleared before a new booking/cancel/reschedule and after each one.
ALL_SLOTS = (*BOOKING_SLOTS, "booking_request", "booking_code", "booking_repeated", "appointment_code",
             "appointment_proof", "cancel_confirmed", "reschedule_start", "appointment_stopped", *FORM_STATE_SLOTS)


# --------------------------------------------------------------------------- the store and the clock


def now() -> dt.datetime:
    """The current time in Asia/Shanghai (tests replace this)."""
    return now_local()


_stores: dict[str, AppointmentStore] = {}


def forget_stores() -> None:
    """Drop the opened stores: the next :func:`store` opens ``APPOINTMENTS_DATABASE_URL`` afresh."""
    _stores.clear()


def store() -> AppointmentStore:
    """The store for ``APPOINTMENTS_DATABASE_URL``, opened once per URL and catalogue."""
    url = database_url()
    cached = _stores.get(url)
    if cached is None or cached.catalogue is not get_catalogue():
        cached = _stores[url] = open_store(url, clock=lambda: now())
    return cached


# --------------------------------------------------------------------------- reading answers


def _previous_language(tracker: Tracker) -> str | None:
    """The conversation's language before the latest user message."""
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return None
    return next((e.get("value") for e in reversed(events[:last_user])
                 if e.get("event") == "slot" and e.get("name") == "language" and e.get("value")), None)


def keep_language(tracker: Tracker) -> tuple[str, dict[str, Any]]:
    """For answers that are names, contacts or codes: the language before them, and the slot to restore it."""
    if tracker.get_slot("language_pref"):
        return tracker.get_slot("language_pref"), {}
    before = _previous_language(tracker)
    if before in ("zh", "en") and before != tracker.get_slot("language"):
        return before, {"language": before}
    return reply_language(tracker), {}


#: Something shaped like a reference code inside a sentence (``find_code`` decides whether it is one).
CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{4}[-\s]?[A-Za-z0-9]{4}(?![A-Za-z0-9])")


def find_code(text: str) -> str | None:
    """A reference code in ``text`` ("取消 abcd-2345"), normalised; words like "schedule" are not codes:
    a code has a digit, a dash or is typed in capitals."""
    text = unicodedata.normalize("NFKC", text or "")
    for m in CODE_IN_TEXT.finditer(text):
        raw = m.group(0)
        if any(ch.isdigit() for ch in raw) or "-" in raw or raw.isupper():
            code = normalise_code(raw)
            if code:
                return code
    return None


_NAME_PREFIX = re.compile(
    r"^(?:我的名字是|我的名字叫|我名字叫|名字是|名字叫|我叫|姓名是|姓名[:：]?|我是|"
    r"my name is|my name's|name is|name:|i am|i'm|this is)\s*", re.I)


def clean_name(text: str) -> str:
    """"我叫张伟。" -> "张伟"; "My name is Anna Schmidt" -> "Anna Schmidt"."""
    return _NAME_PREFIX.sub("", (text or "").strip()).strip().rstrip("。.!！")


def service_in(tracker: Tracker, text: Any) -> str | None:
    """The catalogue service the latest message names: the NLU's ``service`` entity (the KB's terms and
    synonyms: "社保", "the green card"), else ``text`` read by :func:`resolve_service`."""
    catalogue = get_catalogue()
    named = entity(tracker, "service")
    return (resolve_service(named, catalogue) if named else None) or resolve_service(text, catalogue)


def resolve_service(value: Any, catalogue: Catalogue, window_id: str | None = None) -> str | None:
    """A catalogue service id from a button id, an NLU entity value, a typed name or a button number."""
    v = str(value or "").strip()
    if v in catalogue.services:
        return v
    if v in SERVICE_ENTITY:
        return SERVICE_ENTITY[v]
    offered = offered_services(catalogue, window_id)
    if v.isdigit():
        n = int(v)
        return offered[n - 1].id if 1 <= n <= len(offered) else None
    folded = fold(v)
    if len(folded) < 2:
        return None
    hits = [s for s in offered if folded in fold(s.name_zh) or folded in fold(s.name_en)]
    if len(hits) == 1:
        return hits[0].id
    # a name inside a request ("我要预约就业服务", "book me for employment services"), the longest first
    named = sorted((s for s in offered for n in (s.name_zh, s.name_en) if len(n) >= 4 and fold(n) in folded),
                   key=lambda s: -max(len(s.name_zh), len(s.name_en)))
    if named:
        return named[0].id
    return _by_words(folded, offered)


_WORD = re.compile(r"[a-z]{3,}")
_NOT_NAMES = frozenset({"the", "for", "and", "with", "about", "help", "please", "service", "services", "want", "need"})


def _by_words(folded: str, offered: list[Service]) -> str | None:
    """The one service two of whose English words the text uses ("hospital appointment help")."""
    words = set(_WORD.findall(folded)) - _NOT_NAMES
    scored = [(len(words & (set(_WORD.findall(fold(s.name_en))) - _NOT_NAMES)), s.id) for s in offered]
    best = max((n for n, _ in scored), default=0)
    hits = [sid for n, sid in scored if n == best]
    return hits[0] if best >= 2 and len(hits) == 1 else None


def offered_services(catalogue: Catalogue, window_id: str | None) -> list[Service]:
    """The catalogue's services, only those ``window_id``'s window offers when one is chosen."""
    window = catalogue.windows.get(window_id) if window_id else None
    return [s for s in catalogue.services.values() if window is None or window.offers(s.id)]


def iso_start(value: Any) -> dt.datetime | None:
    """A slot start kept in a slot or a button payload (ISO, Asia/Shanghai); None for anything else."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        return None
    try:
        return to_local(dt.datetime.fromisoformat(value))
    except ValueError:
        return None
