"""The operator's settings for appointments and personal data, read from the environment.

One home for every knob, so the store, the conversation, the CLI and the README name the same ones:

- ``APPOINTMENTS_RETENTION_DAYS`` (30): the one retention rule for personal data in every store
  (appointments' names and contacts, Rasa's tracker events; see :mod:`bot.privacy`);
- ``APPOINTMENTS_MAX_PER_CONVERSATION`` (3) and ``APPOINTMENTS_MAX_PER_CONTACT`` (3): active
  (upcoming, not cancelled) bookings one conversation or one e-mail/phone may hold, so a script cannot
  fill a window's horizon;
- ``APPOINTMENTS_PROOF_ATTEMPTS`` (5) per ``APPOINTMENTS_PROOF_WINDOW_MINUTES`` (60): how often one
  conversation may try to open a booking it did not make (code + contact) before it must wait;
- ``APPOINTMENTS_HASH_KEY``: the secret that keys the hashes of conversation ids (:mod:`appointments.keys`).

A malformed value is a ValueError naming the variable, never a silent default.
"""

from __future__ import annotations

import os

RETENTION_ENV = "APPOINTMENTS_RETENTION_DAYS"
MAX_PER_CONVERSATION_ENV = "APPOINTMENTS_MAX_PER_CONVERSATION"
MAX_PER_CONTACT_ENV = "APPOINTMENTS_MAX_PER_CONTACT"
PROOF_ATTEMPTS_ENV = "APPOINTMENTS_PROOF_ATTEMPTS"
PROOF_WINDOW_ENV = "APPOINTMENTS_PROOF_WINDOW_MINUTES"

DEFAULT_RETENTION_DAYS = 30


def _whole_number(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5) or int(raw) < minimum:
        raise ValueError(f"{name} must be a whole number, {minimum} or more, got {raw!r}")
    return int(raw)


def retention_days() -> int:
    """``APPOINTMENTS_RETENTION_DAYS`` (default 30): personal data older than this is deleted."""
    return _whole_number(RETENTION_ENV, DEFAULT_RETENTION_DAYS)


def max_per_conversation() -> int:
    """Active bookings one conversation may hold (default 3)."""
    return _whole_number(MAX_PER_CONVERSATION_ENV, 3, minimum=1)


def max_per_contact() -> int:
    """Active bookings one e-mail address or phone number may hold (default 3)."""
    return _whole_number(MAX_PER_CONTACT_ENV, 3, minimum=1)


def proof_attempts() -> int:
    """Attempts per window to open another conversation's booking (default 5)."""
    return _whole_number(PROOF_ATTEMPTS_ENV, 5, minimum=1)


def proof_window_s() -> int:
    """The length of that window in seconds (``APPOINTMENTS_PROOF_WINDOW_MINUTES``, default 60)."""
    return 60 * _whole_number(PROOF_WINDOW_ENV, 60, minimum=1)
