"""``python -m bot appointments``: the day's list for staff, and the PIPL deletion and retention tools.

- ``list [--date D] [--window W] [--csv] [--all] [--lang zh|en]``: one day's bookings (default: today
  in Asia/Shanghai), optionally at one window (id, city or alias in either language);
- ``forget --contact C`` and ``purge [--days N]``: the same as ``python -m bot privacy forget`` and
  ``privacy purge`` (:mod:`bot.cli.privacy`), which cover every store, Rasa's trackers included;
  ``--days`` overrides ``APPOINTMENTS_RETENTION_DAYS`` (30) for one run.

The database is ``APPOINTMENTS_DATABASE_URL`` (default ``var/appointments.sqlite3``). Invalid input
exits with status 2 and one line saying which option and what it expects.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys

from appointments.catalogue import Catalogue, CatalogueError, get_catalogue
from appointments.store import Appointment, AppointmentStore, open_store
from appointments.workdays import now_local
from bot.cli import privacy

CSV_COLUMNS = (
    "date", "start", "end", "window_id", "window", "service_id", "service", "code", "status",
    "name", "contact", "contact_kind", "lang", "consent", "estimated_day",
)


class _BadInput(ValueError):
    """One line for the user; the command exits with status 2."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("appointments", help="staff: the day's appointments; privacy: forget a person, purge old data")
    sub = p.add_subparsers(dest="appointments_command", metavar="ACTION", required=True)

    lst = sub.add_parser("list", help="list one day's appointments (default: today)")
    lst.add_argument("--date", default="today", help="YYYY-MM-DD, 'today' or 'tomorrow' (Asia/Shanghai); default today")
    lst.add_argument("--window", help="a window id, or a city/alias such as 大同 or Datong; default all windows")
    lst.add_argument("--csv", action="store_true", help="CSV on stdout (UTF-8, one row per appointment)")
    lst.add_argument("--all", action="store_true", help="include cancelled appointments")
    lst.add_argument("--lang", default="zh", help="zh or en: language of window and service names (default zh)")
    lst.set_defaults(func=privacy.guarded(_list, database="appointments database"))

    fgt = sub.add_parser("forget", help="delete every record of one person, trackers included (= privacy forget)")
    fgt.add_argument("--contact", help="the person's e-mail address or phone number")
    fgt.set_defaults(func=privacy.guarded(lambda args: privacy.forget(args.contact)))

    prg = sub.add_parser("purge", help="delete personal data older than N days, trackers included (= privacy purge)")
    prg.add_argument("--days", help="retention in days (default: APPOINTMENTS_RETENTION_DAYS, or 30)")
    prg.set_defaults(func=privacy.guarded(_purge))


def _store() -> AppointmentStore:
    try:
        return open_store()
    except CatalogueError:
        raise
    except ValueError as e:  # e.g. a malformed APPOINTMENTS_DATABASE_URL
        raise _BadInput(f"APPOINTMENTS_DATABASE_URL: {e}") from None


# --------------------------------------------------------------------------- list


def _list(args: argparse.Namespace) -> int:
    lang = _lang(args.lang)
    day = parse_day(args.date)
    catalogue = get_catalogue()
    window_id = resolve_window(catalogue, args.window) if args.window else None
    store = _store()
    try:
        rows = store.list_day(day, window_id, include_cancelled=args.all)
    finally:
        store.engine.dispose()
    if args.csv:
        _write_csv(rows, catalogue, lang)
        return 0
    where = catalogue.window(window_id).name(lang) if window_id else ("全部窗口" if lang == "zh" else "all windows")
    count = f"{len(rows)} 个预约" if lang == "zh" else f"{len(rows)} appointment(s)"
    print(f"{day.isoformat()} · {where} · {count}")
    for a in rows:
        print(_line(a, catalogue, lang))
    if any(a.estimated for a in rows):
        print("* 该日是否上班为推算，请人工确认。" if lang == "zh"
              else "* opening on this day is estimated from holiday rules: confirm it.")
    return 0


def _line(a: Appointment, catalogue: Catalogue, lang: str) -> str:
    who = a.name or ("（匿名）" if lang == "zh" else "(anonymous)")
    contact = a.contact or "-"
    flags = ("*" if a.estimated else "") + (" [已取消]" if lang == "zh" else " [cancelled]") * (a.status == "cancelled")
    return (
        f"{a.start:%H:%M}-{a.end:%H:%M}  {a.display_code}  {a.window_id:<18} "
        f"{catalogue.service(a.service_id).name(lang)}  {who}  {contact}{flags}"
    )


def _write_csv(rows: list[Appointment], catalogue: Catalogue, lang: str) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for a in rows:
        out.writerow([
            a.start.date().isoformat(), f"{a.start:%H:%M}", f"{a.end:%H:%M}", a.window_id,
            catalogue.window(a.window_id).name(lang), a.service_id, catalogue.service(a.service_id).name(lang),
            a.display_code, a.status, a.name or "", a.contact or "", a.contact_kind or "", a.lang,
            str(a.consent).lower(), str(a.estimated).lower(),
        ])


def parse_day(text: str) -> dt.date:
    """``YYYY-MM-DD``, ``today`` or ``tomorrow`` (Asia/Shanghai); _BadInput otherwise."""
    value = (text or "").strip().lower()
    today = now_local().date()
    if value in ("today", "今天"):
        return today
    if value in ("tomorrow", "明天"):
        return today + dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _BadInput(f"--date: expected YYYY-MM-DD, 'today' or 'tomorrow', got {text!r}") from None


def resolve_window(catalogue: Catalogue, text: str) -> str:
    """A window id from an id, city or alias; _BadInput if none or several match."""
    if text in catalogue.windows:
        return text
    found = catalogue.find_windows(text)
    if len(found) == 1:
        return found[0].id
    if found:
        raise _BadInput(f"--window: {text!r} matches several windows ({', '.join(w.id for w in found)}); give the id")
    raise _BadInput(f"--window: unknown window {text!r}; expected one of {', '.join(catalogue.windows)}")


def _lang(text: str) -> str:
    if text not in ("zh", "en"):
        raise _BadInput(f"--lang: expected zh or en, got {text!r}")
    return text


# --------------------------------------------------------------------------- privacy


def _purge(args: argparse.Namespace) -> int:
    days = None
    if args.days is not None:
        raw = args.days.strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 5):
            raise ValueError(f"--days: expected a whole number of days (0 or more), got {args.days!r}")
        days = int(raw)
    return privacy.purge(days)
