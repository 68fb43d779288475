"""``python -m bot unanswered``: the questions the assistant did not answer well, for the staff.

``list`` shows them grouped by similarity (counts, dates, reasons); ``attach ID ARTICLE`` writes the
question as a variant of the article into ``policy_kb/data/questions_staff.yml`` for review (the search
uses it after ``python -m bot kb build``); ``dismiss ID`` marks it out of scope. The texts were masked
before they were stored; nothing here prints a conversation.
"""

from __future__ import annotations

import argparse
import json
import sys

from policy_kb.source import staff_variants_file
from policy_kb.unanswered import STATUSES, attach, default_store, group_questions, ref_from_label


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("unanswered", help="questions the assistant could not answer well: list, attach, dismiss")
    sub = p.add_subparsers(dest="unanswered_command", metavar="UNANSWERED_COMMAND", required=True)
    ls = sub.add_parser("list", help="kept questions, grouped by similarity")
    ls.add_argument("--status", choices=STATUSES, default="open")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=_list)
    a = sub.add_parser("attach", help="add a kept question as a variant of an article (written for review)")
    a.add_argument("id", type=int)
    a.add_argument("article", help="1..25, or 'closing'")
    a.set_defaults(func=_attach)
    d = sub.add_parser("dismiss", help="mark a kept question out of scope")
    d.add_argument("id", type=int)
    d.set_defaults(func=_dismiss)


def _list(args: argparse.Namespace) -> int:
    groups = group_questions(default_store().questions(args.status))
    if args.json:
        print(json.dumps([g.to_json() for g in groups], ensure_ascii=False, indent=2))
        return 0
    if not groups:
        print(f"No {args.status} questions.")
    for g in groups:
        j = g.to_json()
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(j["reasons"].items()))
        print(f"[{', '.join(map(str, j['ids']))}] x{g.count}  {j['first']} .. {j['last']}  ({reasons})  {g.text}")
    return 0


def _attach(args: argparse.Namespace) -> int:
    try:
        article = ref_from_label(args.article)
    except ValueError:
        print(f"error: article: expected a number from 1 to 25 or 'closing', got {args.article!r}", file=sys.stderr)
        return 2
    try:
        question = attach(default_store(), args.id, article)
    except KeyError:
        print(f"error: id: no open question {args.id}", file=sys.stderr)
        return 2
    print(f"Question {question.id} added as a {question.lang} variant of article {args.article} in "
          f"{staff_variants_file()}: review it, then `python -m bot kb build`.")
    return 0


def _dismiss(args: argparse.Namespace) -> int:
    if not default_store().resolve([args.id], "out_of_scope"):
        print(f"error: id: no open question {args.id}", file=sys.stderr)
        return 2
    print(f"Question {args.id} marked out of scope.")
    return 0
