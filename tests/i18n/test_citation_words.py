"""Article names and citations are worded from the knowledge base's catalogue, exactly as every answer
must carry them: （依据：第六条） / (Source: Article 6)."""

from __future__ import annotations

import pytest

from policy_kb.citation import article_name, article_names, cite, cite_many


@pytest.mark.parametrize(("article", "zh", "en"), [
    (6, "（依据：第六条）", "(Source: Article 6)"),
    (10, "（依据：第十条）", "(Source: Article 10)"),
    (25, "（依据：第二十五条）", "(Source: Article 25)"),
    (None, "（依据：港澳台人才条款）", "(Source: closing clause on Hong Kong, Macao and Taiwan talent)"),
])
def test_one_article_is_cited_in_the_required_form(article: int | None, zh: str, en: str) -> None:
    assert (cite(article, "zh"), cite(article, "en")) == (zh, en)
    assert cite_many([article, article], "zh") == zh


@pytest.mark.parametrize(("articles", "zh", "en"), [
    ([17, 19], "（依据：第十七条、第十九条）", "(Source: Articles 17, 19)"),
    ([6, 13, 6], "（依据：第六条、第十三条）", "(Source: Articles 6, 13)"),
    ([1, 6, None], "（依据：第一条、第六条、港澳台人才条款）",
     "(Source: Articles 1, 6; closing clause on Hong Kong, Macao and Taiwan talent)"),
])
def test_several_articles_share_one_citation(articles: list[int | None], zh: str, en: str) -> None:
    assert (cite_many(articles, "zh"), cite_many(articles, "en")) == (zh, en)


def test_a_page_gets_the_names_in_both_languages() -> None:
    assert article_names(14) == {"zh": "第十四条", "en": "Article 14"}
    assert article_names(None) == {"zh": article_name(None, "zh"), "en": article_name(None, "en")}
