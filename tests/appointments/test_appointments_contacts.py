"""Contacts, names and reference codes: what is accepted, how it is normalised, what is refused."""

from __future__ import annotations

import pytest

from appointments.contacts import (
    CODE_ALPHABET,
    Contact,
    Invalid,
    format_code,
    new_code,
    normalise_code,
    normalise_contact,
    normalise_name,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13800138000", Contact("phone", "+8613800138000")),
        ("138 0013 8000", Contact("phone", "+8613800138000")),
        ("138-0013-8000", Contact("phone", "+8613800138000")),
        ("+86 138 0013 8000", Contact("phone", "+8613800138000")),
        ("008613800138000", Contact("phone", "+8613800138000")),
        ("8613800138000", Contact("phone", "+8613800138000")),
        ("１３８００１３８０００", Contact("phone", "+8613800138000")),  # full-width digits
        ("+44 20 7946 0000", Contact("phone", "+442079460000")),
        ("+1 (415) 555-0100", Contact("phone", "+14155550100")),
        ("0049 30 1234567", Contact("phone", "+49301234567")),
        ("Anna.Schmidt@Example.DE", Contact("email", "anna.schmidt@example.de")),
        ("  li.wei+visa@mail.example.cn ", Contact("email", "li.wei+visa@mail.example.cn")),
    ],
)
def test_valid_contacts_are_normalised(text: str, expected: Contact) -> None:
    assert normalise_contact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "12345", "1380013800", "138001380001", "12800138000", "0351-1234567", "+86 0351 1234567",
     "+12", "+1234567890123456", "+0 123456789", "anna@", "@example.com", "anna@example", "anna at example.com",
     "anna@exa mple.com", "phone: 13800138000", "+86 12800138000", "x" * 300 + "@example.com"],
)
def test_invalid_contacts(text: str) -> None:
    result = normalise_contact(text)
    assert isinstance(result, Invalid) and result.field == "contact"  # worded by the assistant (invalid_contact)


def test_names() -> None:
    assert normalise_name("  Anna   Schmidt ") == "Anna Schmidt"
    assert normalise_name("李 伟") == "李 伟"
    assert isinstance(normalise_name(""), Invalid)
    assert isinstance(normalise_name("12345"), Invalid)
    assert isinstance(normalise_name("a" * 101), Invalid)


def test_codes_avoid_look_alikes_and_round_trip() -> None:
    assert not set("01OI") & set(CODE_ALPHABET)
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert len(code) == 8 and set(code) <= set(CODE_ALPHABET)
        shown = format_code(code)
        assert shown[4] == "-" and normalise_code(shown) == code and normalise_code(shown.lower()) == code
        assert normalise_code(" " + shown[:4] + " " + shown[5:] + " ") == code


@pytest.mark.parametrize("text", ["", "ABCD-234", "ABCD-23456", "ABCD-0000", "ABCD-OOOO", "ABCD-1111", "ABCD-IIII", None])
def test_bad_codes(text: str | None) -> None:
    assert normalise_code(text) is None
