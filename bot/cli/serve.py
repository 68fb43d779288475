"""``python -m bot run`` and ``python -m bot train``: the assistant's processes and its model."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="train if needed, start the action server, Rasa and the web front (all on loopback); "
                                "SIGTERM or Ctrl-C stops them all")
    run.set_defaults(func=_run)
    train = subparsers.add_parser("train", help="train the Rasa model unless one exists for the current data")
    train.set_defaults(func=_train)


def _run(args: argparse.Namespace) -> int:
    from bot.runner import serve_forever

    return serve_forever()


def _train(args: argparse.Namespace) -> int:
    from bot.model import ensure_model

    print(ensure_model())
    return 0
