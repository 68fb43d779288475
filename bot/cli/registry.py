"""``python -m bot registry``: the staff's side of the 外籍晋商晋才 register (:mod:`registry`).

- ``list [--city C] [--country C] [--interest I] [--limit N] [--json]``: newest first, contacts masked;
- ``show REF``: one registration in full (the contact too: staff need it to get in touch);
- ``contacted REF [--undo]``: mark it contacted (or not);
- ``export [--out FILE] [filters]``: CSV (UTF-8 with a byte-order mark in a file, so spreadsheets read
  the Chinese; plain UTF-8 on stdout);
- ``forget REF``: a deletion request: the registration and the stored conversation that made it.

Like the ``/staff`` page, it needs the staff token: ``STAFF_TOKEN`` must be set (at least 24 characters)
in the environment of whoever runs it, so a shell without the secret lists nobody. Every command is
written to the register's audit trail (action, reference, row count, filters: never the personal
fields). Openids are never shown: they are not stored. ``--city`` takes a code or a name ("太原",
"Taiyuan"), ``--country`` a code or a name ("CA", "加拿大"). Invalid input exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from registry.countries import find_country, is_country
from registry.fields import INTERESTS
from registry.places import divisions, find_place
from registry.store import Filters, Registration, RegistryStore, open_store

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("registry", help="the register of foreign-national Shanxi merchants (staff; needs STAFF_TOKEN)")
    sub = p.add_subparsers(dest="registry_command", metavar="ACTION", required=True)

    def filters(q: argparse.ArgumentParser) -> None:
        q.add_argument("--city", help="ancestral city: a code (1401) or a name (太原, Taiyuan)")
        q.add_argument("--country", help="country of residence: an ISO code (CA) or a name (加拿大, Canada)")
        q.add_argument("--interest", choices=list(INTERESTS), help="one interest")
        q.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of names and labels (default zh)")

    lst = sub.add_parser("list", help="registrations, newest first (contacts masked)")
    filters(lst)
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--json", action="store_true", help="JSON instead of text")
    lst.set_defaults(func=guarded(cmd_list))
    show = sub.add_parser("show", help="one registration in full")
    show.add_argument("ref")
    show.add_argument("--lang", choices=("zh", "en"), default="zh")
    show.set_defaults(func=guarded(cmd_show))
    done = sub.add_parser("contacted", help="mark a registration contacted")
    done.add_argument("ref")
    done.add_argument("--undo", action="store_true", help="mark it not contacted")
    done.set_defaults(func=guarded(cmd_contacted))
    exp = sub.add_parser("export", help="CSV of the registrations (filters as for list)")
    filters(exp)
    exp.add_argument("--out", help="file to write (default stdout)")
    exp.set_defaults(func=guarded(cmd_export))
    fgt = sub.add_parser("forget", help="delete a registration and the conversation that made it")
    fgt.add_argument("ref")
    fgt.set_defaults(func=guarded(cmd_forget))


class _BadInput(ValueError):
    pass


def guarded(handler):
    """The staff token first; expected failures as one line on stderr and status 2."""

    def run(args: argparse.Namespace) -> int:
        from bot.staff_token import staff_token_or_none

        if not staff_token_or_none(os.environ.get("STAFF_TOKEN")):
            print("error: the register needs the staff token: set STAFF_TOKEN (at least 24 characters)", file=sys.stderr)
            return 2
        try:
            return handler(args, open_store())
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2

    return run


def _filters(args: argparse.Namespace) -> Filters:
    city = args.city
    if city and divisions().get(city) is None:
        place = find_place(city)
        if not place.found:
            raise _BadInput(f"--city: no Shanxi city called {city!r}")
        city = place.city.code
    country = args.country
    if country and not is_country(country.upper()):
        country = find_country(country)
        if country is None:
            raise _BadInput(f"--country: no country called {args.country!r}")
    return Filters(city=city, country=country.upper() if country else None, interest=args.interest)


def _line(r: Registration, lang: str) -> str:
    contacted = f" contacted {r.contacted_at.date()}" if r.contacted_at else ""
    return " | ".join([r.display_ref, r.created_at.strftime("%Y-%m-%d %H:%M"), r.place(lang) or "-", r.country(lang) or "-",
                       ", ".join(r.interests) or "-", r.contact_text(lang)]) + contacted


def _not_found() -> int:
    print("error: no registration with that reference", file=sys.stderr)
    return 1


def cmd_list(args: argparse.Namespace, store: RegistryStore) -> int:
    found = store.list(ACTOR, _filters(args), limit=max(1, min(args.limit, 1000)))
    if args.json:
        print(json.dumps([r.as_json(args.lang, masked=True) for r in found], ensure_ascii=False, indent=2))
    else:
        for r in found:
            print(_line(r, args.lang))
        print(f"{len(found)} registration(s)", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, store: RegistryStore) -> int:
    found = store.get(args.ref, ACTOR)
    if found is None:
        return _not_found()
    print(json.dumps(found.as_json(args.lang, masked=False), ensure_ascii=False, indent=2))
    return 0


def cmd_contacted(args: argparse.Namespace, store: RegistryStore) -> int:
    found = store.mark_contacted(args.ref, ACTOR, contacted=not args.undo)
    if found is None:
        return _not_found()
    print(f"{found.display_ref}: {'not ' if args.undo else ''}contacted")
    return 0


def cmd_export(args: argparse.Namespace, store: RegistryStore) -> int:
    text = store.export_csv(ACTOR, _filters(args), args.lang)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8-sig", newline="")
        os.chmod(args.out, 0o600)
        print(f"wrote {text.count(chr(10)) - 1} registration(s) to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_forget(args: argparse.Namespace, store: RegistryStore) -> int:
    from bot.privacy import delete_conversations_by_digest

    digest = store.forget(args.ref, ACTOR)
    if digest is None:
        return _not_found()
    events = delete_conversations_by_digest({digest})
    print(f"Deleted the registration and {events} tracker event(s) of the conversation that made it.")
    return 0
