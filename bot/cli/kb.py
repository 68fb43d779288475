"""``python -m bot kb``: build the KB database and show articles in both languages."""

from __future__ import annotations

import argparse
import sys

from policy_kb.citation import CLOSING, article_name, parse_ref
from policy_kb.db import build, database_url, make_engine, open_kb
from policy_kb.source import PolicySource


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("kb", help="build the knowledge-base database, show an article")
    sub = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    b = sub.add_parser("build", help="(re)build the KB database from policy_kb/data/*.yml")
    b.set_defaults(func=_build)
    s = sub.add_parser("show", help="print an article in both languages")
    s.add_argument("article", help=f"article number 1..25, or {CLOSING!r} for the Hong Kong/Macao/Taiwan clause")
    s.set_defaults(func=_show)


def _build(args: argparse.Namespace) -> int:
    engine = make_engine()
    try:
        source = build(engine)
    finally:
        engine.dispose()
    print(f"KB built: {len(source.articles)} articles, {len(source.facts)} facts, "
          f"{len(source.questions)} question variants -> {engine.url.render_as_string(hide_password=True)}")
    return 0


def _show(args: argparse.Namespace) -> int:
    try:
        ref = parse_ref(args.article if args.article == CLOSING else int(args.article))
    except ValueError:
        print(f"error: article: expected a number from 1 to 25 or {CLOSING!r}, got {args.article!r}", file=sys.stderr)
        return 2
    print(render_article(open_kb(), ref))
    return 0


def render_article(kb: PolicySource, ref) -> str:
    a = kb.article(ref)
    units = {lang: [kb.units[u].get(lang) for u in a.units_zh] for lang in ("zh", "en")}
    return "\n".join(
        [
            f"{article_name(ref, 'zh')}　{a.title.zh}",
            a.text.zh,
            f"摘要：{a.summary.zh}",
            f"责任单位：{'、'.join(units['zh']) or '—'}",
            "",
            f"{article_name(ref, 'en')}: {a.title.en}",
            a.text.en,
            f"Summary: {a.summary.en}",
            f"Responsible units: {', '.join(units['en']) or '—'}",
            "",
            f"({kb.code}; database: {database_url()})",
        ]
    )
