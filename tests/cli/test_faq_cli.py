"""``python -m bot faq`` and ``python -m bot kb`` as staff use them."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run_cli


def test_faq_answers_in_chinese_with_citation_and_units() -> None:
    out = run_cli("faq", "友谊奖奖金多少")
    assert out.returncode == 0, out.stderr
    assert "（依据：第十四条）" in out.stdout and "责任单位" in out.stdout


def test_faq_json_shape_and_lang_override() -> None:
    out = run_cli("faq", "--json", "--top", "2", "--lang", "en", "友谊奖奖金多少")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["lang"] == "en" and doc["query"] == "友谊奖奖金多少"
    assert 1 <= len(doc["results"]) <= 2
    first = doc["results"][0]
    assert set(first) == {"article", "title", "answer", "score", "units"}
    assert first["article"] == 14 and first["answer"].endswith("(Source: Article 14)")


def test_faq_reads_one_question_per_line_from_stdin() -> None:
    out = run_cli("faq", "-", stdin="绿卡有什么用\nHow do I get PR?\n\n香港人才可以参照吗\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["results"][0]["article"] if d["results"] else "none" for d in lines] == [18, 19, "none", None]
    assert lines[2]["message"]


@pytest.mark.parametrize(
    ("query", "code"),
    [("", 2), ("x" * 10_000, 2), ("😀😀😀", 2), ("SELECT * FROM users; --", 0)],
    ids=["empty", "10k", "emoji", "sql"],
)
def test_faq_bad_input_is_a_message_not_a_traceback(query: str, code: int) -> None:
    out = run_cli("faq", query)
    assert out.returncode == code
    assert "Traceback" not in out.stderr
    assert out.stdout.strip()


def test_kb_show_prints_both_languages() -> None:
    out = run_cli("kb", "show", "6")
    assert out.returncode == 0, out.stderr
    assert "第六条" in out.stdout and "Article 6" in out.stdout
    assert "10万元" in out.stdout and "100,000" in out.stdout


@pytest.mark.parametrize("arg", ["0", "26", "six"])
def test_kb_show_rejects_bad_numbers(arg: str) -> None:
    out = run_cli("kb", "show", arg)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "article" in out.stderr


def test_help_lists_subcommands() -> None:
    out = run_cli("--help")
    assert out.returncode == 0
    for name in ("faq", "kb", "eligibility"):
        assert name in out.stdout
