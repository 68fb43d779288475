"""Validating and normalising what identifies a person (contact, name) and a booking (reference code).

Why normalise: a contact is also the key for "my appointments" and for deletion requests under
PIPL, so "138 0013 8000", "+86 138-0013-8000" and "008613800138000" must all be the same person,
and an e-mail address must match whatever case the user typed it in.

Reference codes are what a user reads off a screen and types back, sometimes over the phone: eight
characters from an alphabet without the look-alikes 0/O and 1/I, shown as ``ABCD-EFGH``; typing
them in lower case, with spaces, or with or without the dash all work.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0, O, 1, I
CODE_LENGTH = 8
NAME_MAX = 100

_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-().]")


@dataclass(frozen=True)
class Contact:
    kind: str  # "email" | "phone"
    value: str  # normalised: lower-case e-mail; phone as +<country><number> (E.164)


@dataclass(frozen=True)
class Invalid:
    """Why a value was refused; ``field`` names it, ``message(lang)`` says what is expected."""

    field: str
    reason: str
    text: str = ""

    def message(self, lang: str) -> str:
        return _MESSAGES[(self.field, lang if lang == "zh" else "en")]


_MESSAGES = {
    ("contact", "zh"): "联系方式需要是电子邮箱（如 name@example.com）或手机号码（如 13800138000，境外号码请以 + 和国家代码开头）。",
    ("contact", "en"): "Please give an e-mail address (e.g. name@example.com) or a phone number "
    "(a Chinese mobile such as 13800138000, or an international number starting with + and the country code).",
    ("name", "zh"): f"姓名不能为空，且不超过{NAME_MAX}个字符。",
    ("name", "en"): f"The name must not be empty and at most {NAME_MAX} characters long.",
    ("code", "zh"): "预约编号是 8 位字母和数字（如 ABCD-2345），请核对后再试。",
    ("code", "en"): "A reference code has 8 letters and digits (e.g. ABCD-2345); please check it and try again.",
}


def normalise_contact(text: str | None) -> Contact | Invalid:
    """An e-mail address or a phone number (mainland mobile or international), normalised.

    Mainland mobiles (11 digits starting 13–19, optionally with +86/0086/86) become ``+86…``;
    other numbers must start with ``+`` or ``00`` and the country code: 8 to 15 digits (E.164).
    """
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        return Invalid("contact", "empty", raw)
    if "@" in raw:
        if len(raw) <= 254 and _EMAIL.match(raw):
            return Contact("email", raw.lower())
        return Invalid("contact", "bad_email", raw)
    compact = _SEPARATORS.sub("", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:]
        if not digits.isdigit():
            return Invalid("contact", "bad_phone", raw)
        if digits.startswith("86"):
            return Contact("phone", "+" + digits) if _MAINLAND_MOBILE.match(digits[2:]) else Invalid("contact", "bad_phone", raw)
        if 8 <= len(digits) <= 15 and not digits.startswith("0"):
            return Contact("phone", "+" + digits)
        return Invalid("contact", "bad_phone", raw)
    if compact.isdigit():
        if compact.startswith("86") and len(compact) == 13:
            compact = compact[2:]
        if _MAINLAND_MOBILE.match(compact):
            return Contact("phone", "+86" + compact)
    return Invalid("contact", "bad_phone", raw)


def normalise_name(text: str | None) -> str | Invalid:
    """A person's name as given (any script), trimmed, with inner whitespace collapsed."""
    name = " ".join(unicodedata.normalize("NFKC", text or "").split())
    if not name or len(name) > NAME_MAX or not any(ch.isalpha() for ch in name):
        return Invalid("name", "bad_name", text or "")
    return name


def new_code() -> str:
    """A random reference code (32^8 ≈ 10^12 possibilities; the store also keeps codes unique)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """``"abcd-2345"`` -> ``"ABCD2345"``; None if it cannot be a reference code."""
    code = re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", text or "")).upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def format_code(code: str) -> str:
    """``"ABCD2345"`` -> ``"ABCD-2345"``, the way it is shown to users."""
    return f"{code[:4]}-{code[4:]}"
