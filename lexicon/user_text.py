"""What every channel does to a user's text before anything else reads it.

One home for the input rules of the developers' guide, so the web proxy, Rasa's REST channel and WeChat
bound and clean text the same way: at most ``MAX_MESSAGE_CHARS`` characters (the web page's own limit),
no control characters (they reach logs, SQL drivers and terminals), no lone surrogates (they cannot be
encoded as UTF-8 and used to crash the store). Newlines and tabs are kept: people paste addresses.
Linear time: one pass over the characters, no regular expression.

Also the one pattern for an e-mail address inside a sentence, which the contacts (finding and masking
them) and the language detector (an address is a word of neither language) both read user text with.
"""

from __future__ import annotations

import re
import unicodedata

#: The longest message any channel passes on, in characters.
MAX_MESSAGE_CHARS = 1000
_KEEP = {"\n", "\t"}
#: The characters of an e-mail address's local part.
EMAIL_LOCAL_CHARS = "A-Za-z0-9.!#$%&'*+/=?^_`{|}~-"
#: An address inside a sentence: it starts where a local part starts (not in the middle of one). Every
#: repetition is bounded, so it runs in linear time (``tests/appointments/test_linear_regex.py``).
EMAIL_IN_TEXT = re.compile(rf"(?<![{EMAIL_LOCAL_CHARS}])[{EMAIL_LOCAL_CHARS}]{{1,64}}@[A-Za-z0-9.-]{{1,253}}")


def _allowed(ch: str) -> bool:
    if ch in _KEEP:
        return True
    category = unicodedata.category(ch)
    # Cc: C0/C1 controls and DEL; Cs: surrogates (only lone ones survive decoding); Cf is kept because
    # the zero-width joiner belongs to emoji sequences.
    return category not in ("Cc", "Cs")


def clean_user_text(text: str, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` without control characters or lone surrogates, stripped and cut to ``max_chars``."""
    cleaned = "".join(ch for ch in text if _allowed(ch)).strip()
    return cleaned[:max_chars]
