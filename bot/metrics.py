"""Prometheus metrics and the per-turn id, for the web front, the Rasa channels and the action server.

One home for what an operator watches: each process has prometheus-client's default registry and
serves it at its own ``/metrics`` (the web front's ``/metrics``, Rasa's ``/webhooks/wechat/metrics``, the
action server's ``/metrics``); nginx never exposes them. Metric names are ``jincai_*``:

- ``jincai_turns_total{component,channel}`` and ``jincai_turn_seconds{component,channel}`` (histogram): a
  turn as the web front, the REST or WeChat channel, or the action server saw it;
- ``jincai_fallbacks_total``, ``jincai_not_found_total`` (a policy answer without a citation: the KB
  had nothing), ``jincai_bookings_total``: what the action server answered;
- ``jincai_errors_total{component,kind}``: upstream timeouts, 5xx, lock or store failures, by kind.

The **turn id** (:func:`turn_id`) is nginx's ``X-Request-ID`` when it is a plain token, else a new one;
the web front forwards it to Rasa, the channels put it in the user message's metadata, and so the
action server finds it in the tracker it is sent. :func:`log_turn` writes one JSON line per turn and
component with that id, the timings and outcome, never the text, the sender id or a contact.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

TURN_HEADER = "X-Request-ID"
TURN_KEY = "turn_id"  # in UserMessage metadata, so the action server reads it from the tracker
_TURN_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)

TURNS = Counter("jincai_turns_total", "Turns handled", ["component", "channel"])
TURN_SECONDS = Histogram("jincai_turn_seconds", "Time to answer one turn", ["component", "channel"], buckets=BUCKETS)
FALLBACKS = Counter("jincai_fallbacks_total", "Turns answered with the fallback (not understood)")
NOT_FOUND = Counter("jincai_not_found_total", "Policy questions the KB had no cited answer for")
BOOKINGS = Counter("jincai_bookings_total", "Appointments booked")
ERRORS = Counter("jincai_errors_total", "Errors by component and kind", ["component", "kind"])

turn_log = logging.getLogger("jincai.turns")


def turn_id(candidate: str | None = None) -> str:
    """``candidate`` when it looks like an id nginx or a trusted hop issued, else a fresh one."""
    if candidate and _TURN_ID.fullmatch(candidate):
        return candidate
    return secrets.token_hex(16)


def exposition() -> tuple[bytes, str]:
    """This process's metrics in Prometheus' text format, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


def log_turn(component: str, turn: str | None, **fields: Any) -> None:
    """One JSON line: the component, the turn id and only the counts/timings/outcomes in ``fields``."""
    turn_log.info(json.dumps({"component": component, "turn_id": turn, **fields}, ensure_ascii=False, default=str))


def observe_turn(component: str, channel: str, seconds: float, turn: str | None, **fields: Any) -> None:
    TURNS.labels(component, channel).inc()
    TURN_SECONDS.labels(component, channel).observe(seconds)
    log_turn(component, turn, channel=channel, ms=round(seconds * 1000, 1), **fields)


def error(component: str, kind: str) -> None:
    ERRORS.labels(component, kind).inc()


# --------------------------------------------------------------------------- the action server's view


def _cites(responses: list[dict[str, Any]]) -> bool:
    return any("依据：" in (r.get("text") or "") or "(Source:" in (r.get("text") or "") for r in responses)


def observe_action(request: dict[str, Any], response: dict[str, Any] | None, seconds: float, status: int) -> None:
    """Count what one ``POST /webhook`` did: the action, fallback, not-found and booking outcomes."""
    action = str(request.get("next_action") or "?")
    tracker = request.get("tracker") or {}
    latest = tracker.get("latest_message") or {}
    turn = (latest.get("metadata") or {}).get(TURN_KEY)
    responses = (response or {}).get("responses") or []
    outcome = "ok" if status < 400 else f"http_{status}"
    if status >= 500:
        error("actions", "action_failed")
    if (latest.get("intent") or {}).get("name") == "nlu_fallback" or any(
            r.get("response") == "utter_default" for r in responses):
        FALLBACKS.inc()
        outcome = "fallback"
    if action == "action_answer_policy" and status < 400 and responses and not _cites(responses):
        NOT_FOUND.inc()
        outcome = "not_found"
    slots = tracker.get("slots") or {}
    if action == "action_booking_result" and status < 400 and slots.get("booking_code") and slots.get(
            "booking_confirmed"):
        BOOKINGS.inc()
        outcome = "booked"
    observe_turn("actions", action, seconds, turn if isinstance(turn, str) else None, outcome=outcome)


async def observed(component: str, channel: str, turn: str | None, call: Awaitable[Any]) -> None:
    """Await a channel's ``on_new_message(...)`` and count it; an exception is counted by kind and re-raised."""
    started = time.perf_counter()
    try:
        await call
    except Exception as e:
        error(component, "lock" if type(e).__name__ == "LockError" else type(e).__name__)
        raise
    finally:
        observe_turn(component, channel, time.perf_counter() - started, turn)
