"""``python -m bot eligibility``: the eligibility pre-check on a JSON profile.

Reads one JSON object (the profile; see :mod:`policy_kb.eligibility.profile`) from FILE or, with
``-`` or no FILE, from stdin, and prints the result as JSON (UTF-8, not escaped) or, with ``--text``,
as a readable report. The language is ``--lang``; without it, Chinese when the profile's one free-text
answer (``field``) is written in Chinese, English otherwise.

Unreadable or invalid input exits with status 2 and one line on stderr naming the field and what is
expected, never a traceback: the input comes from people and from other programs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from policy_kb.eligibility import ProfileError, evaluate, parse_profile, render
from policy_kb.eligibility.profile import Profile
from policy_kb.lang import LANGS, Lang, detect

_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


class InputError(Exception):
    """The input is not a readable JSON object; the message is the line to print."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "eligibility",
        help="pre-check a JSON profile against the policy (JSON result, or --text)",
        description="Eligibility pre-check for 晋发〔2017〕47号. Not a decision: employers apply, authorities decide.",
    )
    p.add_argument("--lang", choices=LANGS, help="answer language (default: zh if the field is written in Chinese, else en)")
    p.add_argument("--text", action="store_true", help="print a readable report instead of JSON")
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="JSON profile file, or - for stdin (default)")
    p.set_defaults(func=_run)


def _reject_constant(name: str) -> Any:
    raise InputError(f"input: expected standard JSON numbers, got {name}")


def read_profile(path: str) -> Any:
    """Parsed JSON from ``path`` (``-``: stdin), or :class:`InputError` with the reason."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read the profile file ({e.strerror})") from None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise InputError("input: expected UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise InputError(f"input: expected a JSON object ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise InputError("input: expected a JSON object of answers (nesting too deep)") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise InputError(f"input: expected a JSON object of answers ({e})") from None


def default_lang(profile: Profile) -> Lang:
    """Chinese when the free-text field is written in Chinese; English otherwise."""
    return detect(profile.field or "", default="en") or "en"


def _run(args: argparse.Namespace) -> int:
    try:
        data = read_profile(args.file)
        if not isinstance(data, dict):
            raise InputError(f"input: expected a JSON object of answers, got a JSON {_JSON_TYPES[type(data)]}")
        profile = parse_profile(data)
    except (InputError, ProfileError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    lang = args.lang or default_lang(profile)
    result = evaluate(profile, lang)
    print(render(result, lang) if args.text else json.dumps(result, ensure_ascii=False, indent=2))
    return 0
