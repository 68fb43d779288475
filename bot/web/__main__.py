"""``python -m bot.web --port 8000 --rasa-url http://127.0.0.1:5005``: serve the chat and staff pages.

Settings from the environment: ``STAFF_TOKEN``, ``WEB_SESSION_SECRET``, ``WEB_RATE_LIMIT`` (messages a
minute per conversation), ``WEB_NEW_CONVERSATION_LIMIT`` (new conversations a minute per client address),
``REDIS_URL`` (share those counts between workers).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from aiohttp import web

from bot.web.app import CONFIG, DEFAULT_CHAT_TIMEOUT, DEFAULT_NEW_CONVERSATION_LIMIT, DEFAULT_RATE_LIMIT, create_app
from bot.web.session import DEFAULT_SECRET_FILE, SECRET_ENV, load_secret


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__)
    p.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")),
                   help="port to listen on (default: $WEB_PORT or 8000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                   help="the Rasa server whose REST channel answers the chat (default: $RASA_URL or http://127.0.0.1:5005)")
    p.add_argument("--timeout", type=float, default=DEFAULT_CHAT_TIMEOUT,
                   help=f"seconds to wait for the assistant's reply (default {DEFAULT_CHAT_TIMEOUT:g})")
    p.add_argument("--session-secret-file", type=Path, default=DEFAULT_SECRET_FILE,
                   help=f"the key that signs conversation cookies when ${SECRET_ENV} is unset; generated (0600) "
                        f"if missing (default: {DEFAULT_SECRET_FILE.relative_to(DEFAULT_SECRET_FILE.parents[1])})")
    return p.parse_args(argv)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stdout)
    app = create_app(args.rasa_url, load_secret(args.session_secret_file),
                     staff_token=os.environ.get("STAFF_TOKEN") or None, chat_timeout=args.timeout,
                     rate_limit=_env_int("WEB_RATE_LIMIT", DEFAULT_RATE_LIMIT),
                     new_conversation_limit=_env_int("WEB_NEW_CONVERSATION_LIMIT", DEFAULT_NEW_CONVERSATION_LIMIT),
                     redis_url=os.environ.get("REDIS_URL") or None)
    logging.getLogger("bot.web").info(
        "chat page on http://%s:%d/ -> %s; staff pages %s", args.host, args.port, args.rasa_url,
        "on" if app[CONFIG].staff_token else "off (set STAFF_TOKEN, at least 24 characters, to enable)")
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
