"""``python -m bot.web --port 8000 --rasa-url http://127.0.0.1:5005``: serve the chat and staff pages."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from aiohttp import web

from bot.web.app import DEFAULT_CHAT_TIMEOUT, create_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__)
    p.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")),
                   help="port to listen on (default: $WEB_PORT or 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                   help="the Rasa server whose REST channel answers the chat (default: $RASA_URL or http://127.0.0.1:5005)")
    p.add_argument("--timeout", type=float, default=DEFAULT_CHAT_TIMEOUT,
                   help=f"seconds to wait for the assistant's reply (default {DEFAULT_CHAT_TIMEOUT:g})")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stdout)
    staff_token = os.environ.get("STAFF_TOKEN") or None
    app = create_app(args.rasa_url, staff_token=staff_token, chat_timeout=args.timeout)
    logging.getLogger("bot.web").info(
        "chat page on http://%s:%d/ -> %s; staff pages %s", args.host, args.port, args.rasa_url,
        "on (STAFF_TOKEN set)" if staff_token else "off (set STAFF_TOKEN to enable)")
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
