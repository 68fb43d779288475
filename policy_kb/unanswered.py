"""Questions the assistant did not answer well, kept for the service-window staff (the staff loop).

What is kept: a question the search found nothing for (``not_found``), one it answered with low
confidence (``low_confidence``), and one whose user marked the answer unhelpful (``unhelpful``: 👎 on
the web page, "没帮到" on WeChat). The text is masked before it is stored
(:func:`appointments.contacts.mask_personal_text`: contacts and introduced names), the conversation is
kept only as the caller's keyed hash (:func:`appointments.keys.conversation_digest`), so a deletion
request or an unfollow finds its rows; ``bot.privacy`` deletes them with the other personal data, by
conversation and after the one retention period.

Staff see them grouped by similarity (:func:`group_questions`: character n-grams, the features the
learned ranker reads, greedy clustering, in plain Python so the staff page waits for no model library) and either attach one to an article, which writes it as a
question variant for review (:mod:`policy_kb.staff_variants`; the search uses it after the KB rebuild),
or mark it out of scope.

The table lives in the KB database but on its own metadata: rebuilding the KB (:func:`policy_kb.db.build`
drops and recreates the KB's tables) leaves it alone.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, Text, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

from appointments.contacts import mask_personal_text
from lexicon.user_text import clean_user_text
from policy_kb.citation import CLOSING, ArticleRef, parse_ref
from policy_kb.db import make_engine
from policy_kb.lang import detect, to_simplified
from policy_kb.staff_variants import add_variant

REASONS = ("not_found", "low_confidence", "unhelpful")
STATUSES = ("open", "attached", "out_of_scope")
CHANNELS = ("web", "wechat")
#: The longest text kept (a chat message is at most 1000 characters).
MAX_TEXT = 1000
#: Two questions whose character n-gram vectors are at least this close (cosine) are one group.
SIMILARITY = 0.5


def utcnow() -> dt.datetime:
    """Naive UTC: what both SQLite and PostgreSQL give back unchanged."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _naive_utc(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return utcnow()
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def ref_label(ref: ArticleRef) -> str:
    return "closing" if ref is None else str(ref)


def ref_from_label(label: str) -> ArticleRef:
    """``"6"`` -> 6, ``"closing"`` -> None; ValueError for anything else (staff input)."""
    label = label.strip()
    if label == CLOSING:
        return None
    if not (label.isascii() and label.isdigit()):
        raise ValueError(f"not an article (1..25 or {CLOSING!r}): {label!r}")
    return parse_ref(int(label))


#: Not :data:`policy_kb.models.Base`: the KB rebuild drops and recreates those tables.
Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information: its models are Any


class UnansweredRow(Base):
    __tablename__ = "kb_unanswered"

    id = Column(Integer, primary_key=True, autoincrement=True)
    text = Column(Text)  # masked
    lang = Column(String(2))
    reason = Column(String(16))
    channel = Column(String(8))
    #: the article the assistant answered with ("6", "closing"), None when it found nothing
    answered = Column(String(8), nullable=True)
    #: keyed hash of the conversation (never the sender id)
    conversation = Column(String(64), nullable=True, index=True)
    created_at = Column(DateTime, index=True)
    status = Column(String(16), default="open", index=True)
    #: the article staff attached it to
    article = Column(String(8), nullable=True)
    resolved_at = Column(DateTime, nullable=True)


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    lang: str
    reason: str
    channel: str
    answered: str | None
    created_at: dt.datetime
    status: str
    article: str | None


@dataclass
class Group:
    """Similar questions; ``questions`` newest first, the first is the one shown."""

    questions: list[Question] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.questions[0].text

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def first(self) -> dt.datetime:
        return min(q.created_at for q in self.questions)

    @property
    def last(self) -> dt.datetime:
        return max(q.created_at for q in self.questions)

    def to_json(self) -> dict:
        return {
            "text": self.text, "count": self.count, "ids": [q.id for q in self.questions],
            "first": self.first.isoformat(timespec="minutes"), "last": self.last.isoformat(timespec="minutes"),
            "reasons": dict(Counter(q.reason for q in self.questions)),
            "answered": sorted({q.answered for q in self.questions if q.answered}),
            "langs": sorted({q.lang for q in self.questions}),
            "questions": [{"id": q.id, "text": q.text, "reason": q.reason, "channel": q.channel,
                           "answered": q.answered, "date": q.created_at.isoformat(timespec="minutes")}
                          for q in self.questions],
        }


def _question(row: UnansweredRow) -> Question:
    return Question(row.id, row.text, row.lang, row.reason, row.channel, row.answered, row.created_at, row.status,
                    row.article)


class UnansweredStore:
    """The table on one engine (the KB database's); creates it when missing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)

    def record(self, text: str, reason: str, channel: str, conversation: str | None = None,
               answered: ArticleRef | str | None = None, lang: str | None = None,
               now: dt.datetime | None = None) -> int | None:
        """Keep a question (masked); returns its id, or None when nothing is left to keep.

        The same question in the same conversation is kept once: marking an answer unhelpful after it
        was kept as low-confidence changes the reason instead of adding a row."""
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}: {reason!r}")
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}: {channel!r}")
        masked = mask_personal_text(clean_user_text(text or "", MAX_TEXT)).strip()
        if not masked or masked.startswith("/"):  # nothing typed, or a button's payload
            return None
        label = answered if isinstance(answered, str) or answered is None else ref_label(answered)
        with Session(self.engine) as s, s.begin():
            if conversation:
                row = s.scalars(select(UnansweredRow).where(
                    UnansweredRow.conversation == conversation, UnansweredRow.text == masked,
                    UnansweredRow.status == "open")).first()
                if row is not None:
                    if REASONS.index(reason) > REASONS.index(row.reason):
                        row.reason = reason
                    row.answered = label or row.answered
                    return row.id
            row = UnansweredRow(text=masked, lang=lang or detect(masked, default="zh") or "zh", reason=reason,
                                channel=channel, answered=label, conversation=conversation,
                                created_at=_naive_utc(now), status="open")
            s.add(row)
            s.flush()
            return row.id

    def questions(self, status: str | None = "open") -> list[Question]:
        """Kept questions, newest first (``status`` None: all)."""
        query = select(UnansweredRow).order_by(UnansweredRow.created_at.desc(), UnansweredRow.id.desc())
        if status is not None:
            query = query.where(UnansweredRow.status == status)
        with Session(self.engine) as s:
            return [_question(r) for r in s.scalars(query)]

    def get(self, question_id: int) -> Question | None:
        with Session(self.engine) as s:
            row = s.get(UnansweredRow, question_id)
            return _question(row) if row else None

    def resolve(self, ids: Iterable[int], status: str, article: ArticleRef | None = None,
                now: dt.datetime | None = None) -> int:
        """Mark open questions attached (to ``article``) or out of scope; returns how many changed."""
        if status not in STATUSES[1:]:
            raise ValueError(f"status must be one of {STATUSES[1:]}: {status!r}")
        wanted = sorted(set(ids))
        with Session(self.engine) as s, s.begin():
            rows = s.scalars(select(UnansweredRow).where(UnansweredRow.id.in_(wanted),
                                                         UnansweredRow.status == "open")).all()
            for row in rows:
                row.status = status
                row.article = ref_label(article) if status == "attached" else None
                row.resolved_at = _naive_utc(now)
            return len(rows)

    def delete_conversations(self, digests: Iterable[str]) -> int:
        """Delete what these conversations (keyed hashes) left; returns the number of rows."""
        wanted = sorted(set(digests))
        deleted = 0
        with self.engine.begin() as conn:
            for i in range(0, len(wanted), 500):
                deleted += conn.execute(delete(UnansweredRow).where(
                    UnansweredRow.conversation.in_(wanted[i:i + 500]))).rowcount
        return deleted

    def purge(self, days: int, now: dt.datetime | None = None) -> int:
        """Delete questions kept longer than ``days`` (the retention rule), whatever their status."""
        cutoff = _naive_utc(now) - dt.timedelta(days=days)
        with self.engine.begin() as conn:
            return conn.execute(delete(UnansweredRow).where(UnansweredRow.created_at < cutoff)).rowcount


def attach(store: UnansweredStore, question_id: int, article: ArticleRef, also: Iterable[int] = (),
           variants: Path | None = None) -> Question:
    """Staff's answer to a kept question: its text becomes a question variant of ``article`` (written for
    review, :func:`policy_kb.staff_variants.add_variant`), and it and ``also`` (the rest of its group)
    are marked attached. KeyError when the question does not exist or is no longer open."""
    question = store.get(question_id)
    if question is None or question.status != "open":
        raise KeyError(question_id)
    add_variant(article, question.lang, question.text, variants)
    store.resolve([question_id, *also], "attached", article)
    return question


@lru_cache(maxsize=1)
def default_store() -> UnansweredStore:
    """The process's store, on the KB database (``KB_DATABASE_URL``)."""
    return UnansweredStore(make_engine())


def _ngrams(text: str) -> Counter[str]:
    """Character 1-3-grams within the words of the text as the search normalises it (NFKC, simplified
    characters, lower case), as the learned ranker's ``char_wb`` features read it; no tokenizer needed."""
    grams: Counter[str] = Counter()
    for word in to_simplified(unicodedata.normalize("NFKC", text)).lower().split():
        padded = f" {word} "
        grams.update(padded[i:i + n] for n in (1, 2, 3) for i in range(len(padded) - n + 1) if padded[i:i + n].strip())
    return grams


def _vectors(texts: list[str]) -> list[dict[str, float]]:
    """TF-IDF vectors (sublinear tf, smoothed idf), unit length."""
    counts = [_ngrams(t) for t in texts]
    df = Counter(g for c in counts for g in c)
    n = len(texts)
    vectors = []
    for c in counts:
        v = {g: (1 + math.log(k)) * (math.log((1 + n) / (1 + df[g])) + 1) for g, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({g: x / norm for g, x in v.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(g, 0.0) for g, x in a.items())


def group_questions(questions: list[Question], threshold: float = SIMILARITY) -> list[Group]:
    """Similar questions together, the largest groups first (then the most recent).

    Greedy: each question, newest first, joins the group whose first question is most similar to it,
    if at least ``threshold`` (cosine of TF-IDF character 1-3-grams), else starts a group. Quadratic in
    the worst case, which a few hundred open questions afford."""
    vectors = _vectors([q.text for q in questions])
    groups: list[Group] = []
    heads: list[dict[str, float]] = []
    for q, vector in zip(questions, vectors, strict=True):
        sims = [_cosine(vector, head) for head in heads]
        best = max(range(len(heads)), key=sims.__getitem__, default=None)
        if best is not None and sims[best] >= threshold:
            groups[best].questions.append(q)
        else:
            groups.append(Group([q]))
            heads.append(vector)
    return sorted(groups, key=lambda g: (-g.count, -g.last.timestamp()))
