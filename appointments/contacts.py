"""Validating and normalising what identifies a person (contact, name) and a booking (reference code).

Why normalise: a contact is also the key for "my appointments" and for deletion requests under
PIPL, so "138 0013 8000", "+86 138-0013-8000" and "008613800138000" must all be the same person,
and an e-mail address must match whatever case the user typed it in.

Reference codes are what a user reads off a screen and types back, sometimes over the phone: eight
characters from an alphabet without the look-alikes 0/O and 1/I, shown as ``ABCD-EFGH``; typing
them in lower case, with spaces, or with or without the dash all work.

Every pattern here reads user text, so every one runs in linear time: each repetition is bounded
({m,n}, never * or +), and the classes on either side of an ``@`` exclude it, so from any position
a match is tried over a bounded stretch of text only (``tests/appointments/test_linear_regex.py``
checks this on the compiled patterns). Contacts are shown masked (:func:`mask_contact`) everywhere
but the staff list.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from lexicon.user_text import EMAIL_IN_TEXT as _EMAIL_IN_TEXT
from lexicon.user_text import EMAIL_LOCAL_CHARS as _LOCAL
from lexicon.user_text import clean_user_text

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0, O, 1, I
CODE_LENGTH = 8
NAME_MAX = 100

EMAIL_MAX = 254
#: A whole address (``fullmatch``): local part of at most 64 characters, at most 8 domain labels.
_EMAIL = re.compile(rf"[{_LOCAL}]{{1,64}}@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.){{1,8}}[a-z]{{2,63}}", re.I)
_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-().]")
_CODE_SEPARATORS = re.compile(r"[\s\-_]")
#: A phone number inside a sentence: 8 to 32 digits and separators, starting at a digit run's start.
_PHONE_IN_TEXT = re.compile(r"(?<![\d+])(?:\+|00)?\d[\d\s\-()]{6,30}\d")
#: A name the writer introduces: "我叫张伟", "姓名：李娜", "my name is Anna Li" (the name itself is group 2).
_NAME_IN_TEXT = (
    re.compile(r"(我叫|我的名字是|我的名字叫|名字是|名字叫|姓名[:：是为]?|本人叫)\s{0,3}([\u3400-\u9fff·]{1,4})"),
    re.compile(r"((?i:my name is|my name's|name is|i am called|i'm called|call me|name:))[ \t]{1,3}"
               r"([A-Z][A-Za-z'’.-]{0,30}(?:[ \t]{1,2}[A-Z][A-Za-z'’.-]{0,30}){0,3})"),
)
#: Fewer digits than this in a number that is no valid contact is not taken for a phone number.
_MIN_PHONE_DIGITS = 7


@dataclass(frozen=True)
class Contact:
    kind: str  # "email" | "phone"
    value: str  # normalised: lower-case e-mail; phone as +<country><number> (E.164)


@dataclass(frozen=True)
class Invalid:
    """Why a value was refused: ``field`` names it (contact, name, code, window, service, consent),
    ``reason`` says why; the assistant says what is expected (``actions/texts.yml``: ``invalid_<field>``)."""

    field: str
    reason: str
    text: str = ""


def normalise_contact(text: str | None) -> Contact | Invalid:
    """An e-mail address or a phone number (mainland mobile or international), normalised.

    Mainland mobiles (11 digits starting 13–19, optionally with +86/0086/86) become ``+86…``;
    other numbers must start with ``+`` or ``00`` and the country code: 8 to 15 digits (E.164).
    """
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        return Invalid("contact", "empty", raw)
    if "@" in raw:
        if len(raw) <= EMAIL_MAX and _EMAIL.fullmatch(raw):
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
            return Contact("phone", "+" + digits) if _MAINLAND_MOBILE.fullmatch(digits[2:]) else Invalid("contact", "bad_phone", raw)
        if 8 <= len(digits) <= 15 and not digits.startswith("0"):
            return Contact("phone", "+" + digits)
        return Invalid("contact", "bad_phone", raw)
    if compact.isdigit():
        if compact.startswith("86") and len(compact) == 13:
            compact = compact[2:]
        if _MAINLAND_MOBILE.fullmatch(compact):
            return Contact("phone", "+86" + compact)
    return Invalid("contact", "bad_phone", raw)


def find_contact(text: str | None) -> Contact | Invalid:
    """An e-mail address or phone number in ``text`` ("我的邮箱是 a@b.cn"), normalised; the whole
    text's :class:`Invalid` when there is none."""
    text = unicodedata.normalize("NFKC", text or "").strip().rstrip("。.!！")
    whole = normalise_contact(text)
    if isinstance(whole, Contact):
        return whole
    for pattern in (_EMAIL_IN_TEXT, _PHONE_IN_TEXT):
        for m in pattern.finditer(text):
            found = normalise_contact(m.group(0).rstrip("."))
            if isinstance(found, Contact):
                return found
    return whole


def mask_contact(value: str | None) -> str:
    """A normalised contact as shown outside the staff list: ``wang***@example.com``, ``139****0000``.

    Enough for its owner to recognise it, too little for anyone else to use it."""
    if not value:
        return ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:min(4, max(1, len(local) // 2))]}***@{domain}"
    number = value[3:] if value.startswith("+86") else value
    return f"{number[:3]}****{number[-4:]}" if len(number) > 7 else "****"


def mask_personal_text(text: str) -> str:
    """Free text as it may be kept (a question for the staff, PIPL): every e-mail address and phone number
    in it shown as :func:`mask_contact` shows contacts, a number that is no valid contact but has phone
    length as ``****``, and a name the writer introduces ("我叫张伟", "my name is Anna Li") as ``***``.

    Names are only recognised where they are introduced: a name said otherwise stays, which is why what
    is kept is still personal data under the one retention rule."""

    def contact(m: re.Match[str]) -> str:
        found = normalise_contact(m.group(0).rstrip("."))
        if isinstance(found, Contact):
            return mask_contact(found.value) + m.group(0)[len(m.group(0).rstrip(".")):]
        if "@" in m.group(0):
            return "***@***"
        return "****" if sum(ch.isdigit() for ch in m.group(0)) >= _MIN_PHONE_DIGITS else m.group(0)

    masked = text
    for pattern in (_EMAIL_IN_TEXT, _PHONE_IN_TEXT):
        masked = pattern.sub(contact, masked)
    for pattern in _NAME_IN_TEXT:
        masked = pattern.sub(lambda m: m.group(0)[:m.start(2) - m.start()] + "***", masked)
    return masked


def normalise_name(text: str | None) -> str | Invalid:
    """A person's name as given (any script), trimmed, with inner whitespace collapsed; control
    characters and lone surrogates (which no database can encode) are dropped first."""
    name = " ".join(unicodedata.normalize("NFKC", clean_user_text(text or "", NAME_MAX + 1)).split())
    if not name or len(name) > NAME_MAX or not any(ch.isalpha() for ch in name):
        return Invalid("name", "bad_name", text or "")
    return name


def new_code() -> str:
    """A random reference code (32^8 ≈ 10^12 possibilities; the store also keeps codes unique)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """``"abcd-2345"`` -> ``"ABCD2345"``; None if it cannot be a reference code."""
    code = _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def format_code(code: str) -> str:
    """``"ABCD2345"`` -> ``"ABCD-2345"``, the way it is shown to users."""
    return f"{code[:4]}-{code[4:]}"
