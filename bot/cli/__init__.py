"""The ``python -m bot`` command line.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module
sets ``func`` on its parser, which receives the parsed arguments and returns the exit status.
Exit status 2 means the input was invalid (the message says which field and what is expected).

May import: the libraries (``lexicon``, ``i18n``, ``policy_kb``, ``appointments``, ``registry``) and the
modules at the top of ``bot`` (runner, model cache, privacy); never ``rasa``, ``rasa_sdk``, ``sanic``,
``aiohttp`` (Rasa runs in its own processes), ``bot.web``, ``bot.channels`` or ``actions``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: Subcommand modules under ``bot.cli``, in the order ``--help`` lists them.
SUBCOMMANDS = ("faq", "kb", "unanswered", "eligibility", "appointments", "privacy", "registry", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="晋才助手 / Shanxi Talent Assistant: command-line tools for staff and developers.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"bot.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. `python -m bot faq - | head`
        sys.stderr.close()
        return 0
