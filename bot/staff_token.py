"""The one rule for the staff token (``STAFF_TOKEN``): what guards the staff pages and what the staff
CLI checks before it acts, so the web front and the CLI cannot disagree about it."""

from __future__ import annotations

import logging

log = logging.getLogger("bot.web")

#: Shorter staff tokens leave the staff pages off: a token is all that guards them.
MIN_STAFF_TOKEN_CHARS = 24


def staff_token_or_none(token: str | None) -> str | None:
    """The staff token if it is long enough to guard the staff pages; None (pages off, a warning) if not."""
    if not token:
        return None
    if len(token) < MIN_STAFF_TOKEN_CHARS or not (token.isascii() and token.isprintable()) or " " in token:
        log.warning("STAFF_TOKEN is shorter than %d characters or not printable ASCII without spaces: "
                    "the staff pages stay off", MIN_STAFF_TOKEN_CHARS)
        return None
    return token
