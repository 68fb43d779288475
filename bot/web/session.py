"""Conversation ids the web front issues itself, so no client can choose (or guess) another's.

The page never picks an id: on its first chat request the server draws a random id, sends it back as
an HMAC-signed cookie (``HttpOnly``: the page's script never sees it; ``SameSite=Strict``: another site
cannot make the browser send it) and forwards the turn to Rasa as ``web:<id>``. A cookie whose signature
does not match is treated as no cookie: the request gets a fresh id of its own, so a forged or
replayed-from-elsewhere value acts as nobody. The ``web:`` prefix keeps web ids out of WeChat's
``wx:<openid>`` space whatever a client sends.

The signing key comes from ``WEB_SESSION_SECRET``, else from an untracked 0600 file generated once
(``var/web_session.key``), so ids survive restarts and every worker sharing the file accepts them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

log = logging.getLogger("bot.web")

COOKIE_NAME = "jincai_sid"
#: How long a browser keeps its conversation (the tracker's own retention rule may end it sooner).
COOKIE_MAX_AGE_S = 30 * 24 * 3600
#: The namespace of web conversations in Rasa's tracker store.
SENDER_PREFIX = "web:"
MIN_SECRET_CHARS = 32
SECRET_ENV = "WEB_SESSION_SECRET"
DEFAULT_SECRET_FILE = Path(__file__).resolve().parents[2] / "var" / "web_session.key"

_ID_BYTES = 24  # 32 URL-safe characters
_ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")
_SIG_RE = re.compile(r"[A-Za-z0-9_-]{43}")
_DOMAIN = b"jincai-web-conversation\x00"  # this key signs nothing else


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SessionIds:
    """Issues conversation ids and checks the cookies that carry them."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"the session secret needs at least {MIN_SECRET_CHARS} bytes")
        self._secret = secret

    def _sign(self, conversation_id: str) -> str:
        return _b64(hmac.new(self._secret, _DOMAIN + conversation_id.encode("ascii"), hashlib.sha256).digest())

    def pseudonym(self, value: str) -> str:
        """A keyed hash of ``value`` (a client address) to count it by without storing it."""
        return _b64(hmac.new(self._secret, b"jincai-web-pseudonym\x00" + value.encode(), hashlib.sha256).digest())[:24]

    def issue(self) -> tuple[str, str]:
        """A new ``(conversation id, cookie value)``."""
        conversation_id = _b64(secrets.token_bytes(_ID_BYTES))
        return conversation_id, f"{conversation_id}.{self._sign(conversation_id)}"

    def verify(self, cookie: str | None) -> str | None:
        """The conversation id a cookie value carries, or None when it is missing, malformed or forged."""
        if not cookie:
            return None
        conversation_id, _, signature = cookie.partition(".")
        if not (_ID_RE.fullmatch(conversation_id) and _SIG_RE.fullmatch(signature)):
            return None
        if not hmac.compare_digest(signature, self._sign(conversation_id)):
            return None
        return conversation_id


def load_secret(path: Path = DEFAULT_SECRET_FILE) -> bytes:
    """``WEB_SESSION_SECRET``, else the key in ``path``, created (0600, never overwritten) on first use."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        if len(from_env) < MIN_SECRET_CHARS:
            raise SystemExit(f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters long")
        return from_env.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create_key_file(path)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
        log.warning("%s was readable by others; made it 0600", path)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise SystemExit(f"{path} holds no usable key (under {MIN_SECRET_CHARS} characters): delete it to generate one")
    return secret.encode("ascii")


def _create_key_file(path: Path) -> None:
    """Write a new key to a private temporary file, then link it into place: of several workers starting
    at once exactly one key wins, and nobody ever reads a half-written file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
            log.info("generated the web session key in %s", path)
        except FileExistsError:
            pass  # another worker was first: use its key
    finally:
        tmp.unlink()
