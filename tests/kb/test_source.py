"""The YAML knowledge base is complete, bilingual and faithful to the policy text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from policy_kb.citation import chinese_numeral
from policy_kb.lang import detect, word_units
from policy_kb.source import FACT_KINDS, load_source

ROOT = Path(__file__).resolve().parents[2]
POLICY_TEXT = ROOT.parent / "shared" / "seeds" / "000_b2cb3856fc780fc2.txt"
KB = load_source()


def policy_paragraphs() -> dict[int | None, str]:
    """Article number -> its paragraph in the policy text (marker removed); None: the closing clause."""
    text = POLICY_TEXT.read_text(encoding="utf-8")
    out: dict[int | None, str] = {}
    for n in range(1, 26):
        m = re.search(rf"^（{chinese_numeral(n)}）(.+)$", text, re.M)
        assert m, f"article {n} not found in the policy text"
        out[n] = m.group(1)
    out[None] = next(line for line in text.splitlines() if line.startswith("引进港澳台人才"))
    return out


def test_policy_text_is_available() -> None:
    assert POLICY_TEXT.is_file(), f"the policy text is needed at {POLICY_TEXT}"


@pytest.mark.parametrize("number", [*range(1, 26), None])
def test_article_chinese_text_is_verbatim(number: int | None) -> None:
    assert KB.article(number).text.zh == policy_paragraphs()[number]


def test_all_25_articles_and_the_closing_clause() -> None:
    assert [a.number for a in KB.articles] == [*range(1, 26), None]


@pytest.mark.parametrize("article", KB.articles, ids=lambda a: str(a.number))
def test_every_article_has_both_languages(article) -> None:
    for part in (article.title, article.text, article.summary):
        assert part.zh.strip() and part.en.strip()
        assert detect(part.zh) == "zh", part.zh
        assert detect(part.en) == "en", part.en  # Chinese names in brackets are fine


def test_article_units_are_parsed_and_translated() -> None:
    for a in KB.articles[:25]:
        assert a.units_zh, f"article {a.number} has no responsible units"
        assert "、".join(a.units_zh) in a.text.zh.replace("，", "、")
        for unit in a.units_zh:
            assert KB.units[unit].en.strip()


def test_every_fact_names_an_existing_article() -> None:
    numbers = {a.number for a in KB.articles}
    assert {f.kind for f in KB.facts} == set(FACT_KINDS)
    for fact in KB.facts:
        assert fact.article in numbers, fact.id


def test_a_fact_without_article_is_rejected(tmp_path, monkeypatch) -> None:
    import policy_kb.source as source

    for name in source.KB_FILES:
        (tmp_path / name).write_bytes((source.DATA_DIR / name).read_bytes())
    facts = yaml.safe_load((tmp_path / "facts.yml").read_text(encoding="utf-8"))
    del facts["benefits"][0]["article"]
    (tmp_path / "facts.yml").write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(source, "DATA_DIR", tmp_path)
    source.load_source.cache_clear()
    try:
        with pytest.raises(source.SourceError, match="benefit"):
            source.load_source()
    finally:
        source.load_source.cache_clear()


@pytest.mark.parametrize(
    ("fact_id", "article", "amount"),
    [
        ("key_programme_funding", 6, 100_000),
        ("regular_programme_funding", 6, 50_000),
        ("friendship_award_national", 14, 100_000),
        ("friendship_award_provincial", 14, 50_000),
        ("demonstration_base_national", 15, 100_000),
        ("demonstration_base_provincial", 15, 50_000),
        ("international_travel_subsidy", 6, None),
    ],
)
def test_benefit_amounts_match_the_policy(fact_id: str, article: int, amount: int | None) -> None:
    fact = next(f for f in KB.facts if f.id == fact_id)
    assert (fact.article, fact.amount_cny) == (article, amount)


def test_procedures_carry_the_stated_validity() -> None:
    by_id = {f.id: f for f in KB.facts}
    assert by_id["residence_permit_5_years"].data["max_validity_years"] == 5
    assert by_id["graduate_permit_2_years"].data["max_validity_years"] == 2
    assert by_id["tech_transfer_reward"].data["share_min_percent"] == 70


def test_categories_are_articles_1_to_4() -> None:
    cats = {f.id: f.article for f in KB.facts if f.kind == "category"}
    assert cats == {"high_end_researcher": 1, "senior_professional": 2, "senior_manager": 3, "urgently_needed": 4}


def test_question_variants_cover_every_article_in_both_languages() -> None:
    counts: dict[tuple, int] = {}
    for ref, lang, _ in KB.questions:
        counts[(ref, lang)] = counts.get((ref, lang), 0) + 1
    for a in KB.articles:
        for lang in ("zh", "en"):
            assert counts.get((a.number, lang), 0) >= 6, (a.number, lang)
    for lang in ("zh", "en"):
        assert sum(n for (_, lg), n in counts.items() if lg == lang) / len(KB.articles) >= 6


def test_evaluation_set_is_separate_from_the_variants() -> None:
    from policy_kb.text import normalize

    variants = {normalize(q) for _, _, q in KB.questions}
    evaluation = yaml.safe_load((ROOT / "bench" / "eval_questions.yml").read_text(encoding="utf-8"))["questions"]
    assert len(evaluation) >= 150
    overlap = [c["q"] for c in evaluation if normalize(c["q"]) in variants]
    assert not overlap


def test_word_units_count_han_characters_and_latin_words_alike() -> None:
    assert word_units("我是PhD，能申请吗") == 6 + 1
    assert word_units("am I eligible? 🙂 42") == 3


def _load_broken(tmp_path, monkeypatch, name: str, change) -> str:
    """The SourceError of the KB with ``change`` applied to the parsed ``name`` (a copy in tmp_path)."""
    import policy_kb.source as source

    shipped = Path(source.__file__).parent / "data"
    tmp_path.mkdir(exist_ok=True)
    for kb_file in source.KB_FILES:
        (tmp_path / kb_file).write_bytes((shipped / kb_file).read_bytes())
    doc = yaml.safe_load((tmp_path / name).read_text(encoding="utf-8"))
    change(doc)
    (tmp_path / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(source, "DATA_DIR", tmp_path)
    source.load_source.cache_clear()
    try:
        with pytest.raises(source.SourceError) as err:
            source.load_source()
    finally:
        source.load_source.cache_clear()
    return str(err.value)


def test_a_missing_chinese_text_names_the_file_the_article_and_the_key(tmp_path, monkeypatch) -> None:
    message = _load_broken(tmp_path, monkeypatch, "articles.yml", lambda d: d["articles"][5].pop("summary_zh"))
    assert message == f"{tmp_path / 'articles.yml'}: articles.6.summary_zh: field required"


def test_an_unknown_article_reference_names_the_fact_and_the_value(tmp_path, monkeypatch) -> None:
    def refer_to_article_27(doc: dict) -> None:
        next(b for b in doc["benefits"] if b["id"] == "key_programme_funding")["article"] = 27

    message = _load_broken(tmp_path, monkeypatch, "facts.yml", refer_to_article_27)
    assert message.startswith(f"{tmp_path / 'facts.yml'}: benefits.key_programme_funding.article: ")
    assert "not an article reference (1..25 or 'closing'): 27" in message


def test_a_typo_in_a_key_and_a_dangling_reference_are_errors(tmp_path, monkeypatch) -> None:
    message = _load_broken(tmp_path / "typo", monkeypatch, "facts.yml",
                           lambda d: d["procedures"][0].update(quote_zn="x"))
    assert "procedures.overseas_talent_stations.quote_zn: extra fields not permitted" in message
    message = _load_broken(tmp_path / "dangling", monkeypatch, "facts.yml",
                           lambda d: d["fields"][0].update(category="astronaut"))
    assert "fields.high_end_equipment.category: no category 'astronaut' in categories" in message
