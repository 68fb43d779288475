"""``python -m bot privacy``: the retention purge and deletion requests, across every store (:mod:`bot.privacy`).

- ``purge``: delete tracker sessions and strip appointments' personal data older than
  ``APPOINTMENTS_RETENTION_DAYS`` (30); ``make run`` schedules it, a cron job may run it too;
- ``forget --contact C``: delete that person's appointments and the trackers of every conversation
  linked to them (PIPL deletion request).

Both print counts only, never what was deleted. Invalid input exits with status 2, a database error
with status 1, each with one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from appointments.catalogue import CatalogueError
from appointments.store import InvalidInput
from bot import privacy


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("privacy", help="personal data: retention purge, deletion requests (every store)")
    sub = p.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
    prg = sub.add_parser("purge", help="delete personal data older than APPOINTMENTS_RETENTION_DAYS (trackers, appointments)")
    prg.set_defaults(func=guarded(lambda args: purge()))
    fgt = sub.add_parser("forget", help="delete one person's appointments and linked conversations")
    fgt.add_argument("--contact", help="the person's e-mail address or phone number")
    fgt.set_defaults(func=guarded(lambda args: forget(args.contact)))


def guarded(handler: Callable[[argparse.Namespace], int],
            database: str = "database") -> Callable[[argparse.Namespace], int]:
    """Expected failures become one line on stderr and an exit status, never a traceback: every data
    command of the CLI runs through it (``database`` names the store in its error line)."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (ValueError, CatalogueError) as e:  # InvalidInput and malformed settings are ValueErrors
            print(f"error: {e}", file=sys.stderr)
            return 2
        except SQLAlchemyError as e:
            first = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
            print(f"error: {database}: {first}", file=sys.stderr)
            return 1

    return run


def purge(days: int | None = None) -> int:
    counts = privacy.purge_expired(days=days)
    print(f"Retention {counts['retention_days']} day(s): deleted {counts['tracker_events']} tracker event(s) "
          f"({counts['tracker_conversations']} conversation(s) emptied); removed personal data from "
          f"{counts['appointments']} appointment record(s); deleted {counts['unanswered_questions']} question(s) "
          f"kept for the staff and {counts['registrations']} expired registration(s).")
    return 0


def forget(contact: str | None) -> int:
    if not contact:
        raise ValueError("--contact: required: the person's e-mail address or phone number")
    try:
        counts = privacy.forget_contact(contact)
    except InvalidInput:
        raise ValueError("--contact: expected an e-mail address or a phone number "
                         "(e.g. 13800138000 or +44 20 7946 0000)") from None
    print(f"Deleted {counts['appointments']} appointment record(s) and {counts['tracker_events']} tracker "
          f"event(s) of {counts['conversations']} conversation(s) linked to that contact.")
    if counts["registrations"]:
        print(f"Deleted {counts['registrations']} registration(s) of the register with that contact.")
    return 0
