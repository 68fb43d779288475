"""Keyed hashes of conversation ids: enough to recognise a conversation, nothing to read or to guess.

Why keyed: a sender id is guessable (``wx:<openid>`` is known to anyone who saw the openid), so a
plain SHA-256 of it links a booking to a person for whoever holds a database dump. HMAC-SHA256 with a
secret kept *outside* the database does not.

The key is ``APPOINTMENTS_HASH_KEY`` (any long random string; every replica must share it). Without
it, a random key is created once in ``var/appointments.key`` (mode 0600), which is right for one
machine. Changing the key orphans the links of existing bookings: they then behave as made in another
conversation (the contact still proves ownership).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

KEY_ENV = "APPOINTMENTS_HASH_KEY"
KEY_FILE = Path(__file__).resolve().parent.parent / "var" / "appointments.key"


@lru_cache(maxsize=4)
def _key(from_env: str | None) -> bytes:
    if from_env:
        return from_env.encode("utf-8", "surrogatepass")
    try:
        return KEY_FILE.read_bytes()
    except FileNotFoundError:
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        try:
            fd = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: use its key
            return KEY_FILE.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


def keyed_digest(kind: str, value: str) -> str:
    """HMAC-SHA256 of ``kind:value`` (hex); any text, even with lone surrogates, hashes without error."""
    message = f"{kind}:{value}".encode("utf-8", "surrogatepass")
    return hmac.new(_key(os.environ.get(KEY_ENV) or None), message, hashlib.sha256).hexdigest()


def conversation_digest(sender_id: str) -> str:
    """What the appointments table stores to recognise the conversation ``sender_id``."""
    return keyed_digest("conv", sender_id)
