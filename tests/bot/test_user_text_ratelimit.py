"""The shared input rules (lexicon.user_text) and per-key limits (ratelimit), on the real Redis too."""

from __future__ import annotations

import os
import uuid

import pytest

from lexicon.user_text import MAX_MESSAGE_CHARS, clean_user_text
from ratelimit.limiter import RateLimiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(("raw", "clean"), [
    ("绿卡\x00有什么用", "绿卡有什么用"),
    ("hello\x1b[31m", "hello[31m"),
    ("a\ud800b", "ab"),
    ("  第一行\n第二行\t  ", "第一行\n第二行"),
    ("👍🏽 ok 👨‍👩‍👧", "👍🏽 ok 👨‍👩‍👧"),
    ("\x7f\x85", ""),
])
def test_clean_user_text_drops_controls_and_lone_surrogates(raw: str, clean: str) -> None:
    assert clean_user_text(raw) == clean
    clean_user_text(raw).encode("utf-8")  # always encodable


def test_clean_user_text_caps_length() -> None:
    assert len(clean_user_text("字" * 50_000)) == MAX_MESSAGE_CHARS
    assert clean_user_text("abcdef", max_chars=3) == "abc"


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_rate_limiter_counts_per_key_and_window(backend: str) -> None:
    limiter = RateLimiter(3, 60, redis_url=REDIS_URL if backend == "redis" else None,
                          prefix=f"test-{uuid.uuid4().hex}")
    now = 1_000_020.0
    assert [limiter.allow("a", now) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", now)  # another key has its own budget
    assert limiter.allow("a", now + 60)  # the next window starts afresh


def test_rate_limiter_redis_is_shared_between_instances() -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    one, two = (RateLimiter(2, 60, redis_url=REDIS_URL, prefix=prefix) for _ in range(2))
    now = 2_000_000.0
    assert one.allow("k", now) and two.allow("k", now)
    assert not one.allow("k", now)


def test_rate_limiter_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 60)
