"""``python -m bot.action_server``: rasa-sdk's action server, callable only by our Rasa server.

``rasa run actions`` binds ``SANIC_HOST`` (0.0.0.0 by default), allows every CORS origin and runs any
action for anyone who reaches the port: a forged ``POST /webhook`` lists a stranger's appointments,
shows their name and contact and cancels the booking. Its 500 answer even echoes the request body
(the whole tracker). This module serves the same app (``rasa_sdk.endpoint.create_app``, so actions,
plugins and the wire format are rasa-sdk's own) with what it lacks:

- it binds ``--interface`` (default ``$ACTION_INTERFACE`` or 127.0.0.1), and refuses to listen on
  any other address unless ``ACTION_SERVER_TOKEN`` is set;
- with ``ACTION_SERVER_TOKEN`` set, every route but ``/health`` needs ``Authorization: Bearer <token>``
  (compared in constant time), the header Rasa sends from ``action_endpoint.headers`` in
  ``endpoints.yml``; without it, only loopback peers are served;
- no CORS: the only caller is the Rasa server, never a browser;
- errors answer a bare ``{"error": ...}`` and log no request body;
- ``/metrics`` (Prometheus, no token: counts and timings only) and one JSON log line per action call with
  the turn id (:mod:`bot.metrics`).
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import logging
import os
import sys
import time

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health", "/metrics"})  # readiness; counts and timings (no personal data)

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an interface to bind or a peer address) is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bearer_matches(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time (bytes: the header may hold any text)."""
    scheme, _, value = (header or "").partition(" ")
    given = value.strip().encode("utf-8", "replace")
    return scheme.lower() == "bearer" and hmac.compare_digest(given, token.encode("utf-8"))


def create_app(actions: str, token: str | None) -> Sanic:
    """rasa-sdk's app for the ``actions`` package, with the caller check in front of every route."""
    from rasa_sdk.endpoint import create_app as sdk_app

    app = sdk_app(actions, cors_origins=None)

    @app.middleware("request")
    async def only_rasa(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        allowed = bearer_matches(request.headers.get("authorization"), token) if token else is_loopback(request.ip)
        if allowed:
            return None
        logger.warning("refused %s %s from %s: %s", request.method, request.path, request.ip,
                       "no valid token" if token else "not loopback")
        return response.json({"error": "unauthorised"}, status=401)

    async def plain_error(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            logger.error("action server error on %s %s", request.method, request.path, exc_info=exception)
        return response.json({"error": type(exception).__name__}, status=status)

    app.error_handler.add(Exception, plain_error)  # replaces rasa-sdk's handler, which echoes the body
    _add_metrics(app)
    return app


def _add_metrics(app: Sanic) -> None:
    """``GET /metrics`` and, for every ``POST /webhook``, what :func:`bot.metrics.observe_action` counts."""
    from bot import metrics

    @app.get("/metrics")
    async def prometheus(request: Request) -> HTTPResponse:
        body, content_type = metrics.exposition()
        return response.raw(body, content_type=content_type)

    @app.middleware("request")
    async def started(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @app.middleware("response")
    async def observed(request: Request, resp: HTTPResponse) -> None:
        if request.path != "/webhook" or request.method != "POST" or not hasattr(request.ctx, "started"):
            return
        try:
            sent, answer = request.json or {}, json.loads(resp.body or b"{}")
        except (ValueError, TypeError):
            sent, answer = {}, None
        metrics.observe_action(sent if isinstance(sent, dict) else {}, answer if isinstance(answer, dict) else None,
                               time.perf_counter() - request.ctx.started, resp.status)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from rasa_sdk.constants import DEFAULT_SERVER_PORT

    p = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__.split("\n", 1)[0])
    p.add_argument("--actions", default="actions", help="the package of actions to load (default: actions)")
    p.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", DEFAULT_SERVER_PORT)),
                   help=f"port to listen on (default: $ACTION_PORT or {DEFAULT_SERVER_PORT})")
    p.add_argument("--interface", default=os.environ.get("ACTION_INTERFACE") or "127.0.0.1",
                   help="address to listen on (default: $ACTION_INTERFACE or 127.0.0.1)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from rasa_sdk import utils
    from rasa_sdk.plugin import plugin_manager

    args = parse_args(argv)
    token = os.environ.get(TOKEN_ENV) or None
    if token is None and not is_loopback(args.interface):
        print(f"error: set {TOKEN_ENV} to listen on {args.interface}: without it the action server "
              "serves loopback only", file=sys.stderr)
        return 2
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app = create_app(args.actions, token)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("action server on http://%s:%d (%s)", args.interface, args.port,
                "token required" if token else "loopback callers only")
    app.run(args.interface, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
