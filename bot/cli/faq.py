"""``python -m bot faq``: the staff FAQ lookup over the policy knowledge base.

Answers in the query's language (``--lang`` overrides), best first, each with its article cited,
the responsible units and a snippet of the article. ``-`` reads one question per line from stdin
and prints one JSON line per question, for staff pasting a list.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from policy_kb.messages import message
from policy_kb.search_json import response_json

if TYPE_CHECKING:
    from policy_kb.search import Response

UNITS_LABEL = {"zh": "责任单位", "en": "Responsible units"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("faq", help="search the policy knowledge base (staff FAQ lookup)")
    p.add_argument("question", nargs="?", help='the question, or "-" to read one question per line from stdin')
    p.add_argument("--lang", choices=("zh", "en"), help="answer language (default: the question's)")
    p.add_argument("--top", type=_positive, default=3, help="number of answers (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--interactive", action="store_true", help="ask questions one after another")
    p.set_defaults(func=run)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 25, got {value!r}") from None
    if not 1 <= n <= 25:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 25, got {n}")
    return n


def run(args: argparse.Namespace) -> int:
    from policy_kb.search import default_searcher  # spaCy loads TensorFlow: only when searching

    searcher = default_searcher()
    if args.interactive:
        return _interactive(searcher, args)
    if args.question is None:
        print("error: give a question, or - to read questions from stdin", file=sys.stderr)
        return 2
    if args.question == "-":
        for line in sys.stdin:
            resp = searcher.search(line.rstrip("\n"), args.lang, args.top)
            print(json.dumps(response_json(resp), ensure_ascii=False), flush=True)
        return 0
    resp = searcher.search(args.question, args.lang, args.top)
    if args.json:
        print(json.dumps(response_json(resp), ensure_ascii=False))
    else:
        print(render(resp))
    return 0 if resp.status in ("ok", "not_found") else 2


def _interactive(searcher, args: argparse.Namespace) -> int:
    print("晋才助手 FAQ — 输入问题 / type a question (Ctrl-D to quit)")
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        print(render(searcher.search(line, args.lang, args.top)))


def render(resp: Response) -> str:
    """Readable text for staff: numbered answers with citation, units and snippet."""
    if resp.status != "ok":
        return message(resp.status, resp.lang)
    sep = "、" if resp.lang == "zh" else ", "
    colon = "：" if resp.lang == "zh" else ": "
    blocks = []
    for i, r in enumerate(resp.results, 1):
        blocks.append(
            f"{i}. {r.title}  [{r.score:.2f}]\n"
            f"   {r.answer}\n"
            f"   {UNITS_LABEL[resp.lang]}{colon}{sep.join(r.units) or '—'}\n"
            f"   > {r.snippet}"
        )
    return "\n\n".join(blocks)
