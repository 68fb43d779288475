"""Every regular expression that reads user text in ``appointments/`` runs in linear time.

Proved by structure, not by timing: when every repetition in a pattern is bounded (``{m,n}``, never
``*``, ``+`` or ``{m,}``), the pattern's longest possible match has a fixed width W, so from each
start position the engine reads at most W characters (plus a fixed-width lookbehind), however it
backtracks within them: at most ``n * W`` character reads for a text of n characters. The old
e-mail pattern of ``find_contact`` (``[^...]+@[^...]+``) had no such bound: every start position of a
long text without "@" scanned to its end (16k characters took 2.3 s, 32k 9.2 s).

The source check makes sure no pattern escapes the structural check: modules compile their patterns
once at import (where this test finds them), never through ``re.search(pattern_string, ...)``.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
import sre_constants
import sre_parse
from pathlib import Path

import pytest

from appointments.contacts import Contact, find_contact, mask_contact

PACKAGE = Path(__file__).resolve().parents[2] / "appointments"
MODULES = sorted(f"appointments.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__")
#: No match attempt may read more than this many characters (a message is at most 1000).
WIDEST = 1000
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)


def unbounded_repeats(pattern: re.Pattern[str]) -> list[str]:
    """The repetitions of ``pattern`` without an upper bound, as readable snippets."""
    found: list[str] = []

    def walk(items: sre_parse.SubPattern | list) -> None:
        for op, arg in items:
            if op in _REPEATS:
                low, high, sub = arg
                if high == sre_constants.MAXREPEAT:
                    found.append(f"{{{low},}} over {list(sub)[:2]}")
                walk(sub)
            elif op in (sre_constants.SUBPATTERN, sre_constants.ATOMIC_GROUP if hasattr(sre_constants, "ATOMIC_GROUP") else None):
                walk(arg[-1])
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                walk(arg[1])
            elif op == sre_constants.BRANCH:
                for branch in arg[1]:
                    walk(branch)
            elif op == sre_constants.GROUPREF_EXISTS:
                walk(arg[1])
                if arg[2] is not None:
                    walk(arg[2])

    walk(sre_parse.parse(pattern.pattern, pattern.flags))
    return found


def compiled_patterns(value: object, seen: set[int] | None = None) -> list[re.Pattern[str]]:
    """Every compiled pattern inside a module global (tuples, lists, dicts, dataclass instances)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        return [value]
    if isinstance(value, (tuple, list, set, frozenset)):
        return [p for item in value for p in compiled_patterns(item, seen)]
    if isinstance(value, dict):
        return [p for item in value.values() for p in compiled_patterns(item, seen)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [p for f in dataclasses.fields(value) for p in compiled_patterns(getattr(value, f.name), seen)]
    return []


def all_patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for name in MODULES:
        module = importlib.import_module(name)
        for global_name, value in vars(module).items():
            out += [(f"{name}.{global_name}", p) for p in compiled_patterns(value)]
    return out


def test_the_checker_finds_every_pattern_and_would_catch_the_old_one() -> None:
    names = {name for name, _ in all_patterns()}
    assert {"appointments.contacts._EMAIL_IN_TEXT", "appointments.contacts._PHONE_IN_TEXT",
            "appointments.dates._DATE_RULES", "appointments.dates._TIME_RULES", "appointments.dates._PART_WORDS"} <= names
    old_email = re.compile(r"[^\s<>()\[\],;:，；：（）“”\"']+@[^\s<>()\[\],;:，；：（）“”\"'。]+")
    old_phone = re.compile(r"(?:\+|00)?\d[\d\s\-()]{6,}\d")
    old_date = re.compile(r"(?:(?P<y>\d{1,4})\s*年\s*)?(?P<mo>\d{1,4})\s*月")
    assert all(unbounded_repeats(p) for p in (old_email, old_phone, old_date))


@pytest.mark.parametrize(("name", "pattern"), all_patterns(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_repetition_is_bounded(name: str, pattern: re.Pattern[str]) -> None:
    assert unbounded_repeats(pattern) == [], f"{name}: {pattern.pattern}"
    widest = sre_parse.parse(pattern.pattern, pattern.flags).getwidth()[1]
    assert widest <= WIDEST, f"{name} may read {widest} characters from one position"


@pytest.mark.parametrize("module", MODULES)
def test_no_pattern_is_compiled_on_the_fly(module: str) -> None:
    """``re.search(r"...", text)`` and friends would hide a pattern from the check above."""
    tree = ast.parse((PACKAGE / f"{module.split('.')[1]}.py").read_text(encoding="utf-8"))
    on_the_fly = [
        f"line {node.lineno}: re.{node.func.attr}" for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
        and node.func.attr not in ("compile", "escape")
    ]
    assert on_the_fly == []


@pytest.mark.parametrize("text", [
    "a" * 100_000,                         # the old e-mail pattern's worst case: no "@" anywhere
    "a@" * 50_000, "1 " * 50_000, "1(" * 50_000, "12" * 50_000 + "x",
    "1" + " " * 100_000 + "点", "十" * 100_000, "下周" * 50_000, "at " * 30_000,
], ids=lambda text: f"{text[:4]!r}...{len(text)}")
def test_adversarial_input_is_refused_politely(text: str) -> None:
    """Not a timing test (the structure above is the proof): long hostile text gives an answer."""
    from appointments.dates import parse_when
    from tests.support.appointments import NOW

    assert not isinstance(find_contact(text), Contact) or text.startswith("12")
    parse_when(text, NOW)


def test_contacts_in_sentences_are_still_found() -> None:
    assert find_contact("我的邮箱是Zhang.Wei@Example.com。").value == "zhang.wei@example.com"
    assert find_contact("mail: anna+x@mail.example.de, thanks").value == "anna+x@mail.example.de"
    assert find_contact("电话（138）0013-8000，谢谢").value == "+8613800138000"
    assert not isinstance(find_contact("x" * 70 + "@example.com"), Contact), "a local part over 64 is not cut short"


@pytest.mark.parametrize(("value", "shown"), [
    ("wangwei@example.com", "wan***@example.com"), ("wang.wei@example.com", "wang***@example.com"),
    ("a@b.cn", "a***@b.cn"), ("+8613900000000", "139****0000"), ("+4915123456789", "+49****6789"), (None, ""),
])
def test_contacts_are_masked(value: str | None, shown: str) -> None:
    assert mask_contact(value) == shown
