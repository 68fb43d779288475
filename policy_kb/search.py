"""Bilingual search over the KB: BM25 over articles, facts and question variants, fused with a learned ranker.

Each article, fact and question variant is indexed per language as one document; documents map to
their article, and an article scores as its best document. The answer shown for an article is the
text of its best-matching fact when a fact matched (amounts and conditions), else its plain-language
summary; both end with the citation.

Two rankings, and their fusion (the default, :data:`RANKINGS`):

* ``bm25``: lexical. Confident when the best article scores :data:`MIN_SCORE`, or at least
  :data:`MIN_SCORE_CLEAR` and :data:`CLEAR_MARGIN` times the runner-up;
* ``learned``: :class:`policy_kb.ranker.ArticleRanker`, character n-grams and concept tokens learned
  from the question variants, with "out of scope" as a class of its own. Confident when its best article
  has probability :data:`MIN_PROBABILITY` and is likelier than "out of scope";
* ``fusion``: per article ``FUSION_BM25_WEIGHT * s / (s + BM25_HALF) + (1 - FUSION_BM25_WEIGHT) * p``
  (BM25 score ``s`` squashed into 0..1, ranker probability ``p``). BM25 is precise when words are
  shared, the ranker when they are not; confident when the best fused score reaches
  :data:`MIN_FUSED` and :data:`OUT_OF_SCOPE_MARGIN` times the ranker's "out of scope" probability.

Whatever the ranking, a question about another province's or city's policy ("上海给外籍博士多少补贴") is
answered "nothing found" (:class:`policy_kb.text.Jurisdiction`): the policy is Shanxi's. So is one from
a person who says they are a Chinese citizen ("我是中国籍的海归"; :func:`policy_kb.text.chinese_citizen_asking`):
the policy is for foreign talent and, by its closing clause, talent from Hong Kong, Macao and Taiwan.

Every constant here was tuned with ``make bench`` on the tuning sets only (``bench/eval_v2/dev.yml``; from
2026-12-03 also ``dev2.yml``); ``bench/eval_v3/test.yml`` is reported, never tuned on. When not confident
the search answers "nothing found" rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import bm25s
import numpy as np

from policy_kb.citation import ArticleRef, cite
from policy_kb.db import open_kb
from policy_kb.lang import Lang, detect
from policy_kb.ranker import ArticleRanker
from policy_kb.source import Article, Fact, PolicySource
from policy_kb.text import Analyzer, Jurisdiction, chinese_citizen_asking, normalize

MAX_QUERY_CHARS = 500
MIN_SCORE = 6.0
#: A short, precise query scores lower; it is still answered when its best article leads clearly.
MIN_SCORE_CLEAR = 4.0
CLEAR_MARGIN = 2.0
#: BM25 parameters, tuned with the threshold (short question variants favour a low length penalty).
BM25_K1 = 1.2
BM25_B = 0.4
#: Weight of an article's second-best document: several matching documents make an article likelier.
SECOND_DOC_WEIGHT = 0.25
RANKINGS = ("bm25", "learned", "fusion")
#: ``learned``: the least probability answered.
MIN_PROBABILITY = 0.15
#: ``fusion``: the BM25 score that counts as half-way sure, BM25's share of the fused score, the least
#: fused score answered, and (for the choice offered beside the answer) the least a rival must score.
BM25_HALF = 6.0
FUSION_BM25_WEIGHT = 0.5
MIN_FUSED = 0.25
MIN_RIVAL = 0.2
#: ``fusion``: how many times the ranker's "out of scope" probability the best fused score must reach.
OUT_OF_SCOPE_MARGIN = 1.0


@dataclass(frozen=True)
class Doc:
    article: ArticleRef
    lang: str
    fact: Fact | None = None


@dataclass(frozen=True)
class Result:
    article: ArticleRef
    title: str
    answer: str
    score: float
    units: list[str]
    snippet: str


@dataclass
class Response:
    """What a search returns. ``status``: ok | not_found | empty | too_long | no_content."""

    query: str
    lang: Lang
    status: str
    results: list[Result] = field(default_factory=list)


class Searcher:
    """The index is built once per process from the KB database (milliseconds for a few hundred docs)."""

    def __init__(self, kb: PolicySource, ranking: str = "fusion") -> None:
        if ranking not in RANKINGS:
            raise ValueError(f"ranking must be one of {RANKINGS}: {ranking!r}")
        self.kb = kb
        self.ranking = ranking
        self.analyzer = Analyzer(kb)
        self.jurisdiction = Jurisdiction()
        self.ranker = ArticleRanker(kb, self.analyzer, self.jurisdiction) if ranking != "bm25" else None
        self._articles = {a.number: a for a in kb.articles}
        docs, corpus = self._documents()
        self._docs = docs
        self._retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        self._retriever.index(corpus, show_progress=False)

    def _documents(self) -> tuple[list[Doc], list[list[str]]]:
        docs: list[Doc] = []
        corpus: list[list[str]] = []

        def add(doc: Doc, *texts: str) -> None:
            docs.append(doc)
            corpus.append(self.analyzer.tokens(" ".join(texts)) or ["<empty>"])

        for a in self.kb.articles:
            for lang in ("zh", "en"):
                add(Doc(a.number, lang), a.title.get(lang), a.summary.get(lang), a.text.get(lang))
        for f in self.kb.facts:
            for lang in ("zh", "en"):
                add(Doc(f.article, lang, f), f.name.get(lang), f.text.get(lang))
        for ref, lang, text in self.kb.questions:
            add(Doc(ref, lang), text)
        return docs, corpus

    def search(self, query: str, lang: Lang | None = None, top: int = 3) -> Response:
        query = query or ""
        lang = lang or detect(query) or "zh"
        if not query.strip():
            return Response(query, lang, "empty")
        if len(query) > MAX_QUERY_CHARS:
            return Response(query[:MAX_QUERY_CHARS], lang, "too_long")
        tokens = self.analyzer.tokens(query)
        if not tokens:
            return Response(query, lang, "no_content")
        if self.jurisdiction.elsewhere(query):  # another province's or city's policy: not Shanxi's to answer
            return Response(query, lang, "not_found")
        if chinese_citizen_asking(query):  # the policy's people are foreign (and HK, Macao, Taiwan) talent
            return Response(query, lang, "not_found")
        scores = self._retriever.get_scores(tokens) if self._known(tokens) else np.zeros(len(self._docs))
        lexical = self._rank_articles(scores)
        if self.ranker is None:
            if not lexical or not _confident(lexical):
                return Response(query, lang, "not_found")
            ranked, least = lexical, MIN_SCORE_CLEAR
        else:
            ranked, least = self._learned_or_fused(query, lexical)
        results = [self._result(ref, best, score, lang) for ref, best, score in ranked[:top] if score >= least]
        return Response(query, lang, "ok" if results else "not_found", results)

    def _learned_or_fused(self, query: str, lexical: list[tuple[ArticleRef, int | None, float]]
                          ) -> tuple[list[tuple[ArticleRef, int | None, float]], float]:
        """Articles ranked by the ranker's probability, or by the fused score; [] when not confident."""
        assert self.ranker is not None  # only called with a ranker
        probs, out_of_scope = self.ranker.probabilities(query)
        best_doc = {ref: doc for ref, doc, _ in lexical}
        if self.ranking == "learned":
            combined = probs
            floor, least, margin = MIN_PROBABILITY, MIN_PROBABILITY, 1.0
        else:
            bm25 = {ref: score for ref, _, score in lexical}
            combined = {ref: FUSION_BM25_WEIGHT * (s := bm25.get(ref, 0.0)) / (s + BM25_HALF)
                        + (1 - FUSION_BM25_WEIGHT) * p for ref, p in probs.items()}
            floor, least, margin = MIN_FUSED, MIN_RIVAL, OUT_OF_SCOPE_MARGIN
        ranked = sorted(((ref, best_doc.get(ref), score) for ref, score in combined.items()), key=lambda r: -r[2])
        if ranked[0][2] < floor or ranked[0][2] <= margin * out_of_scope:
            return [], least
        return ranked, least

    def _known(self, tokens: list[str]) -> bool:
        return any(t in self._retriever.vocab_dict for t in tokens)

    def _rank_articles(self, scores: np.ndarray) -> list[tuple[ArticleRef, int | None, float]]:
        """(article, index of the document to answer from, score), best first."""
        per_article: dict[ArticleRef, list[int]] = {}
        for i in np.argsort(-scores)[:200]:
            if scores[i] <= 0:
                break
            per_article.setdefault(self._docs[i].article, []).append(int(i))
        ranked: list[tuple[ArticleRef, int | None, float]] = []
        for ref, idx in per_article.items():
            score = float(scores[idx[0]] + SECOND_DOC_WEIGHT * (scores[idx[1]] if len(idx) > 1 else 0.0))
            best_fact = next((i for i in idx[:3] if self._docs[i].fact), idx[0])
            ranked.append((ref, best_fact, score))
        ranked.sort(key=lambda r: -r[2])
        return ranked

    def _result(self, ref: ArticleRef, doc_index: int | None, conf: float, lang: Lang) -> Result:
        """The cited answer; ``doc_index`` None (the ranker alone found the article): its summary."""
        article: Article = self._articles[ref]
        fact = self._docs[doc_index].fact if doc_index is not None else None
        body = fact.text.get(lang) if fact else article.summary.get(lang)
        return Result(
            article=ref,
            title=article.title.get(lang),
            answer=f"{body}{'' if lang == 'zh' else ' '}{cite(ref, lang)}",
            score=round(conf, 3),
            units=[self.kb.units[u].get(lang) for u in article.units_zh],
            snippet=_snippet(article.text.get(lang)),
        )


def _confident(ranked: list[tuple[ArticleRef, int | None, float]]) -> bool:
    """A high score, or a lower one that stands well clear of the runner-up ("PR?", "绿卡")."""
    best = ranked[0][2]
    runner_up = ranked[1][2] if len(ranked) > 1 else 0.0
    return best >= MIN_SCORE or (best >= MIN_SCORE_CLEAR and best >= CLEAR_MARGIN * runner_up)


def _snippet(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=1)
def default_searcher() -> Searcher:
    """The process-wide searcher over the KB database at ``KB_DATABASE_URL``."""
    return Searcher(open_kb())


__all__ = ["Response", "Result", "Searcher", "default_searcher", "normalize"]
