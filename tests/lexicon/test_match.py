"""The one term matcher: the rules every user-text match in the project follows."""

from __future__ import annotations

import re

from lexicon.match import TermMatcher
from lexicon.normalize import fold, normalize
from lexicon.numerals import NUMBER, parse_number

TERMS = {"永久居留": "pr", "居留证": "residence_permit", "永久居留证": "pr_card", "pr": "pr", "green card": "green_card",
         "ai": "ai", "新能源": "new_energy", "新能源汽车": "nev"}


def test_normal_form_is_nfkc_simplified_lower_case() -> None:
    assert normalize("永久居留證 ＧＲＥＥＮ　Card") == "永久居留证 green card"
    assert fold("  ＰｈＤ ") == "phd"


def test_longest_term_at_a_position_wins_and_matches_do_not_overlap() -> None:
    hits = TermMatcher(TERMS).find("我的永久居留证和GREEN CARD")
    assert [(h.term, h.value, h.start, h.end) for h in hits] == [
        ("永久居留证", "pr_card", 2, 7), ("green card", "green_card", 8, 18)]


def test_ascii_terms_match_whole_words_only() -> None:
    matcher = TermMatcher(TERMS)
    assert matcher.values("PR program in retail") == ["pr"]
    assert matcher.values("AI-driven, ai2") == ["ai"]


def test_longest_anywhere_allows_overlaps_and_ties_go_to_the_first_term() -> None:
    matcher = TermMatcher([("new energy", "a"), ("energy vehicles", "b"), ("solar", "c"), ("wind", "d")])
    assert matcher.values("new energy vehicles") == ["a"], "find: left to right"
    assert matcher.longest("new energy vehicles").value == "b", "longest: anywhere"
    assert TermMatcher([("wind", "d"), ("coal", "e")]).longest("coal and wind").value == "d"
    assert TermMatcher(TERMS).longest("新能源汽车研发").value == "nev"
    assert TermMatcher(TERMS).longest("nothing here") is None


def test_duplicate_terms_keep_the_first_value_unless_later_ones_win() -> None:
    pairs = [("Taiyuan", "provincial"), ("TAIYUAN", "taiyuan")]
    assert TermMatcher(pairs).get("taiyuan") == "provincial"
    assert TermMatcher(pairs, last_wins=True).get("taiyuan") == "taiyuan"
    assert TermMatcher(pairs).get("Taiyuan City") is None


def test_a_callers_normal_form_applies_to_terms_and_text() -> None:
    words = TermMatcher([("coal bed methane", "cbm")], normalise=lambda t: " ".join(normalize(t).replace("-", " ").split()))
    assert words.values("Coal-Bed  Methane") == ["cbm"]


def test_numbers_in_either_script() -> None:
    assert [parse_number(t) for t in ("6", "6.5", "六", "十二", "三十八", "两", "廿", "十十", "abc")] == [
        6, 6.5, 6, 12, 38, 2, 20, None, None]
    assert [m.group(0) for m in re.finditer(NUMBER, "干了六年, 6.5 years, 38岁")] == ["六", "6.5", "38"]
