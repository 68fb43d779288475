"""A learned article ranker: which article a question is about, even when it shares no word with it.

BM25 (:mod:`policy_kb.search`) needs the question's words in the article's documents; "洋专家能不能带团队
搞研究" shares almost none with article 12. This ranker learns from the KB's question variants
(``questions.yml``, written in the register people use), the articles' titles and summaries, and
``out_of_scope.yml`` (questions the policy does not answer, as one more class), with two feature sets:

* character 1-3-grams of the normalised text (within words): typos, slang and unsegmented Chinese
  still share most of their n-grams with the variants;
* the search's own tokens (:class:`policy_kb.text.Analyzer`): jieba words, English lemmas and the
  cross-language concept tokens, so "relocation bonus" and 安家费 meet on ``@settling_allowance``.

A logistic regression over both gives a probability per article and for "out of scope". Training takes
about a second on a few thousand examples, so it is done when the searcher is built, from the same KB.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property

import yaml
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from policy_kb.citation import ArticleRef
from policy_kb.source import DATA_DIR, PolicySource
from policy_kb.text import Analyzer, Jurisdiction, normalize

OUT_OF_SCOPE_FILE = DATA_DIR / "out_of_scope.yml"
#: Inverse regularisation strength, tuned on bench/eval_v2/dev.yml only.
C = 2.0
#: The class label of questions the policy does not answer.
OUT_OF_SCOPE = "out_of_scope"
#: The out-of-scope class's weight against an article's (each class otherwise weighs the same, however many
#: examples it has), tuned on bench/eval_v2/dev.yml only.
OUT_OF_SCOPE_WEIGHT = 8.0


def out_of_scope_examples() -> list[str]:
    doc = yaml.safe_load(OUT_OF_SCOPE_FILE.read_text(encoding="utf-8"))
    return [q for lang in ("zh", "en") for q in doc[lang]]


def _label(ref: ArticleRef) -> str:
    return "closing" if ref is None else str(ref)


class ArticleRanker:
    """P(article | question) for every article, and P(out of scope)."""

    def __init__(self, kb: PolicySource, analyzer: Analyzer, jurisdiction: Jurisdiction | None = None) -> None:
        self._analyzer = analyzer
        self._jurisdiction = jurisdiction or Jurisdiction()
        texts: list[str] = []
        labels: list[str] = []
        for ref, _, text in kb.questions:
            texts.append(text)
            labels.append(_label(ref))
        for a in kb.articles:
            for lang in ("zh", "en"):
                texts += [a.title.get(lang), a.summary.get(lang)]
                labels += [_label(a.number)] * 2
        # Another province's or city's policy is the jurisdiction check's (policy_kb.text.Jurisdiction): learnt
        # here too, "上海对外国专家给多少安家费" would teach that 外国专家 and 安家费 are out of scope.
        oos = [q for q in out_of_scope_examples() if not self._jurisdiction.elsewhere(q)]
        texts += oos
        labels += [OUT_OF_SCOPE] * len(oos)
        counts = Counter(labels)
        weights = {c: len(labels) / (len(counts) * n) * (OUT_OF_SCOPE_WEIGHT if c == OUT_OF_SCOPE else 1.0)
                   for c, n in counts.items()}  # "balanced", and the out-of-scope class weighted apart
        self._model = LogisticRegression(C=C, solver="liblinear", class_weight=weights)
        self._model.fit(self._features(texts, fit=True), labels)
        self._refs: list[ArticleRef | str] = [
            OUT_OF_SCOPE if c == OUT_OF_SCOPE else (None if c == "closing" else int(c)) for c in self._model.classes_
        ]

    @cached_property
    def _chars(self) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, preprocessor=normalize)

    @cached_property
    def _words(self) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer=self._analyzer.tokens, sublinear_tf=True)

    def _features(self, texts: list[str], fit: bool = False):
        texts = [self._jurisdiction.without_asides(t) for t in texts]
        if fit:
            return hstack([self._chars.fit_transform(texts), self._words.fit_transform(texts)]).tocsr()
        return hstack([self._chars.transform(texts), self._words.transform(texts)]).tocsr()

    def probabilities(self, query: str) -> tuple[dict[ArticleRef, float], float]:
        """``({article: probability}, probability that the policy does not cover the question)``."""
        probs = self._model.predict_proba(self._features([query]))[0]
        by_article = {ref: float(p) for ref, p in zip(self._refs, probs, strict=True) if not isinstance(ref, str)}  # skips OUT_OF_SCOPE
        oos = float(probs[self._refs.index(OUT_OF_SCOPE)])
        return by_article, oos
