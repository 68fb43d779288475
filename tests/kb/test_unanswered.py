"""The staff loop's store (SQLite and PostgreSQL), its masking, grouping, retention, and attach -> rebuild -> search."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from appointments.contacts import mask_personal_text
from bot import privacy
from policy_kb import db
from policy_kb.source import load_source
from policy_kb.staff_variants import add_variant
from policy_kb.unanswered import Question, UnansweredStore, attach, group_questions, ref_from_label
from tests.support.cli import run_cli

NOW = dt.datetime(2026, 12, 1, 12, 0)


@pytest.mark.parametrize("text, kept, gone", [
    ("我叫张伟，电话13800138000，邮箱 zhang.wei@example.com，绿卡怎么办", "我叫***，电话138****8000，邮箱 zhan***@example.com，绿卡怎么办",
     ("张伟", "13800138000", "zhang.wei")),
    ("My name is Anna Li, call +44 20 7946 0958 or anna@uni.ac.uk.", "My name is ***, call +44****0958 or an***@uni.ac.uk.",
     ("Anna", "7946", "anna@")),
    ("姓名：李娜 座机 0351-4567890", "姓名：*** 座机 ****", ("李娜", "4567890")),
    ("手机１３８００１３８０００", "手机138****8000", ("１３８００",)),
])
def test_contacts_and_introduced_names_are_masked(text: str, kept: str, gone: tuple[str, ...]) -> None:
    masked = mask_personal_text(text)
    assert masked == kept
    assert not any(g in masked for g in gone)


def test_amounts_years_and_articles_are_not_taken_for_phone_numbers() -> None:
    for text in ("资助100万元，2017年的政策", "Article 6: 500000 yuan?", "第二十条"):
        assert mask_personal_text(text) == text


def test_store_masks_before_storage_and_keeps_one_row_per_question_and_conversation(db_engine: Engine) -> None:
    store = UnansweredStore(db_engine)
    first = store.record("我叫张伟，电话13800138000，山西的老外多不多", "low_confidence", "web", "conv-a", 8, now=NOW)
    again = store.record("我叫张伟，电话13800138000，山西的老外多不多", "unhelpful", "web", "conv-a", 8, now=NOW)
    other = store.record("我叫张伟，电话13800138000，山西的老外多不多", "not_found", "wechat", "conv-b", now=NOW)
    assert first == again != other
    assert store.record("   ", "not_found", "web") is None
    assert store.record('/ask_policy{"article": "6"}', "not_found", "web") is None
    rows = {q.id: q for q in store.questions()}
    assert rows[first].reason == "unhelpful" and rows[first].answered == "8" and rows[first].lang == "zh"
    assert rows[other].reason == "not_found" and rows[other].channel == "wechat"
    assert all("13800138000" not in q.text and "张伟" not in q.text for q in rows.values())
    with pytest.raises(ValueError):
        store.record("x", "because", "web")


def test_resolve_purge_and_delete_by_conversation(db_engine: Engine) -> None:
    store = UnansweredStore(db_engine)
    old = store.record("上海有什么外国人才政策", "not_found", "web", "conv-old", now=NOW - dt.timedelta(days=31))
    recent = store.record("Is there a pharmacy open at night in Taiyuan?", "not_found", "web", "conv-new", now=NOW)
    mine = store.record("外国人在山西开银行账户", "not_found", "wechat", "conv-gone", now=NOW)
    assert store.resolve([recent, 9999], "out_of_scope", now=NOW) == 1
    assert store.resolve([recent], "out_of_scope") == 0  # no longer open
    assert [q.id for q in store.questions("out_of_scope")] == [recent]
    assert store.delete_conversations(["conv-gone", "conv-unknown"]) == 1
    assert store.purge(30, now=NOW.replace(tzinfo=dt.timezone.utc)) == 1
    assert {q.id for q in store.questions(None)} == {recent}
    assert store.get(old) is None and store.get(mine) is None


def test_the_kb_rebuild_leaves_the_table_alone(db_engine: Engine) -> None:
    store = UnansweredStore(db_engine)
    kept = store.record("山西的老外多不多", "low_confidence", "web", now=NOW)
    db.build(db_engine)
    assert inspect(db_engine).has_table("kb_unanswered") and store.get(kept) is not None


def _q(i: int, text: str) -> Question:
    return Question(i, text, "zh", "not_found", "web", None, NOW - dt.timedelta(minutes=i), "open", None)


def test_similar_questions_are_grouped_with_counts_and_dates() -> None:
    questions = [_q(1, "山西的老外多不多"), _q(2, "Is there a pharmacy open at night in Taiyuan?"),
                 _q(3, "山西的老外多不多啊"), _q(4, "山西老外多不多？"),
                 _q(5, "is there a pharmacy open at night in taiyuan")]
    groups = group_questions(questions)
    assert [sorted(q.id for q in g.questions) for g in groups] == [[1, 3, 4], [2, 5]]
    first = groups[0].to_json()
    assert first["count"] == 3 and first["text"] == "山西的老外多不多" and first["ids"] == [1, 3, 4]
    assert first["first"] == (NOW - dt.timedelta(minutes=4)).isoformat(timespec="minutes")
    assert first["last"] == (NOW - dt.timedelta(minutes=1)).isoformat(timespec="minutes")
    assert group_questions([]) == []


def test_article_labels() -> None:
    assert ref_from_label("6") == 6 and ref_from_label("closing") is None
    for bad in ("0", "26", "６", "-1", "six", ""):
        with pytest.raises(ValueError):
            ref_from_label(bad)


def test_variants_file_is_reviewable_yaml_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "questions_staff.yml"
    assert add_variant(12, "zh", "洋专家能不能带团队搞研究", path)
    assert not add_variant(12, "zh", "洋专家能不能带团队搞研究", path)
    assert add_variant(None, "en", "Can Taiwan  talent apply?", path)
    assert add_variant(6, "en", "relocation bonus?", path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Question variants that service-window staff attached")
    assert yaml.safe_load(text) == {"questions": [
        {"article": 6, "en": ["relocation bonus?"]},
        {"article": 12, "zh": ["洋专家能不能带团队搞研究"]},
        {"article": "closing", "en": ["Can Taiwan talent apply?"]},
    ]}


def test_attach_then_rebuild_then_the_search_answers_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policy_kb.search import Searcher

    question = "老外攒的工龄在山西怎么算"
    monkeypatch.setenv("KB_STAFF_VARIANTS", str(tmp_path / "questions_staff.yml"))
    load_source.cache_clear()
    engine = db.make_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    try:
        db.ensure_built(engine)
        before = Searcher(db.read(engine)).search(question, "zh")
        assert 21 not in [r.article for r in before.results[:1]], "precondition: not answered by article 21"
        store = UnansweredStore(engine)
        kept = store.record(question, "unhelpful", "web", "conv", now=NOW)
        twin = store.record(question + "？", "unhelpful", "web", "conv2", now=NOW)
        assert attach(store, kept, 21, also=[twin]).text == question
        assert {q.status for q in store.questions(None)} == {"attached"}
        with pytest.raises(KeyError):
            attach(store, kept, 21)  # not open any more
        load_source.cache_clear()
        db.ensure_built(engine)  # the digest covers the staff file: stale, so rebuilt
        after = Searcher(db.read(engine)).search(question, "zh")
        assert after.status == "ok" and after.results[0].article == 21
        assert (21, "zh", question) in db.read(engine).questions
    finally:
        engine.dispose()
        monkeypatch.delenv("KB_STAFF_VARIANTS")
        load_source.cache_clear()


def test_privacy_purge_and_deletion_reach_the_table(tmp_path: Path, db_engine: Engine) -> None:
    from appointments.keys import conversation_digest

    store = UnansweredStore(db_engine)
    store.record("我叫张伟，想问绿卡", "not_found", "wechat", conversation_digest("wx:zhang"), now=NOW)
    store.record("上海的政策", "not_found", "web", conversation_digest("web:x"), now=NOW - dt.timedelta(days=40))
    store.record("北京的政策", "not_found", "web", conversation_digest("web:y"), now=NOW)
    assert privacy.delete_conversations(["wx:zhang"], engine=None, kb_engine=db_engine) == 0  # no tracker store here
    counts = privacy.purge_expired(NOW.replace(tzinfo=dt.timezone.utc), days=30, engine=None, kb_engine=db_engine,
                                   store=_empty_appointments(tmp_path))
    assert counts["unanswered_questions"] == 1
    assert [q.text for q in store.questions(None)] == ["北京的政策"]


def _empty_appointments(tmp_path: Path):
    from sqlalchemy import create_engine

    from appointments.store import AppointmentStore

    store = AppointmentStore(create_engine(f"sqlite:///{tmp_path / 'appointments.sqlite3'}"))
    store.create_schema()
    return store


def test_cli_lists_attaches_and_dismisses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    monkeypatch.setenv("KB_STAFF_VARIANTS", str(tmp_path / "staff.yml"))
    store = UnansweredStore(db.make_engine())
    a = store.record("洋大拿落户给多少安家费 my name is Tom Baker", "not_found", "web", now=NOW)
    b = store.record("太原哪里能买到进口奶粉", "not_found", "web", now=NOW)
    listing = run_cli("unanswered", "list")
    assert listing.returncode == 0 and "Tom" not in listing.stdout and "x1" in listing.stdout
    assert run_cli("unanswered", "attach", str(a), "6").returncode == 0
    assert yaml.safe_load((tmp_path / "staff.yml").read_text(encoding="utf-8"))["questions"][0]["article"] == 6
    bad = run_cli("unanswered", "attach", str(b), "99")
    assert bad.returncode == 2 and "1 to 25" in bad.stderr
    assert run_cli("unanswered", "attach", str(a), "6").returncode == 2  # already attached
    assert run_cli("unanswered", "dismiss", str(b)).returncode == 0
    assert run_cli("unanswered", "list").stdout.strip() == "No open questions."
    store.engine.dispose()
