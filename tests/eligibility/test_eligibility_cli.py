"""``python -m bot eligibility`` as users and programs run it: JSON in, JSON or text out, clear errors.

The main error paths and both text reports run as real subprocesses (``python -m bot eligibility``),
started together because each start-up is slow; the rarer error paths run in-process through
``bot.cli.main``, which is the same code without the process boundary.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main

Run = Callable[..., subprocess.CompletedProcess]
PROFILE = {"degree": "doctorate", "years_experience": 6, "field": "煤层气", "age": 39, "role": "researcher"}
MISSING_FILE = "no/such/profile.json"

#: case id -> (arguments, stdin); all started at once by the `runs` fixture.
CASES: dict[str, tuple[tuple[str, ...], str]] = {
    "json-default-zh": ((), json.dumps(PROFILE)),
    "text-zh": (("--text", "--lang", "zh", "-"), json.dumps(PROFILE)),
    "text-en": (("--text", "--lang", "en"), json.dumps({**PROFILE, "field": "coal-bed methane"})),
    "bad-json": ((), '{"degree": "doctorate",'),
    "unknown-key": ((), '{"salary": 100000}'),
    "wrong-type": ((), '{"age": "forty"}'),
    "age-5": ((), '{"age": -5}'),
    "hsk9": ((), '{"hsk_level": 9}'),
    "missing-file": ((MISSING_FILE,), ""),
}


@pytest.fixture(scope="module")
def runs(run_eligibility: Run) -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        futures = {case: pool.submit(run_eligibility, *args, stdin=stdin) for case, (args, stdin) in CASES.items()}
        return {case: f.result() for case, f in futures.items()}


def assert_one_line_error(code: int, stdout: str, stderr: str, *parts: str) -> None:
    assert code == 2, stdout
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    for part in parts:
        assert part in lines[0], lines[0]


def test_json_out_unescaped_and_chinese_by_default_for_a_chinese_field(runs: dict[str, Any]) -> None:
    out = runs["json-default-zh"]
    assert out.returncode == 0, out.stderr
    assert "煤层气" in out.stdout  # ensure_ascii=False
    first = json.loads(out.stdout)["categories"][0]
    assert (first["id"], first["status"]) == ("high_end_researcher", "likely")
    assert first["reasons"][0].endswith("（依据：第一条）")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("text-zh", ["## 人才类别", "高端科研人才（第一条）：很可能符合", "估算积分：", "外国人来晋工作服务窗口", "## 提示"]),
        ("text-en", ["## Talent categories", "High-end research talent (Article 1): likely", "Estimated points:",
                     "Service Window for Foreigners Working in Shanxi", "## Please note"]),
    ],
)
def test_text_report_is_readable_in_both_languages(runs: dict[str, Any], case: str, expected: list[str]) -> None:
    out = runs[case]
    assert out.returncode == 0, out.stderr
    for part in expected:
        assert part in out.stdout, part
    assert not out.stdout.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("case", "parts"),
    [
        ("bad-json", ["input", "expected a JSON object", "line 1"]),
        ("unknown-key", ["salary", "expected a known key"]),
        ("wrong-type", ["age", "whole number", "'forty'"]),
        ("age-5", ["age", "from 0 to 120", "-5"]),
        ("hsk9", ["hsk_level", "from 0 to 6", "9"]),
        ("missing-file", [MISSING_FILE, "cannot read", "No such file"]),
    ],
)
def test_invalid_input_exits_2_with_one_line(runs: dict[str, Any], case: str, parts: list[str]) -> None:
    out = runs[case]
    assert_one_line_error(out.returncode, out.stdout, out.stderr, *parts)


class _Stdin:
    """Stands in for ``sys.stdin``: the CLI reads bytes from ``.buffer``."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def _in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, stdin: bytes, *args: str) -> tuple:
    monkeypatch.setattr("sys.stdin", _Stdin(stdin))
    code = main(["eligibility", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("stdin", "parts"),
    [
        ("", ["input", "expected a JSON object"]),
        ('["doctorate"]', ["input", "got a JSON array"]),
        ('"doctorate"', ["input", "got a JSON string"]),
        ('{"age": NaN}', ["input", "standard JSON numbers", "NaN"]),
        ('{"age": 1e400}', ["age", "whole number"]),
        ('{"years_experience": true}', ["years_experience", "a number", "True"]),
        ('{"age": 30, "years_experience": 35}', ["years_experience", "at most the age (30)"]),
        ('{"degree": "PhD"}', ["degree", "none|bachelor|master|doctorate"]),
        ('{"degree": "none", "degree_from": "china"}', ["degree_from", "no value when degree is 'none'"]),
        ("[" * 100_000, ["input"]),
        ('{"age": 1' + "0" * 5000 + "}", ["input", "digits"]),
    ],
    ids=["empty", "array", "string", "nan", "huge-number", "bool-not-number", "years-over-age", "bad-choice",
         "contradiction", "deep-nesting", "5000-digit-int"],
)
def test_rarer_invalid_inputs_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, stdin: str, parts: list[str]
) -> None:
    assert_one_line_error(*_in_process(monkeypatch, capsys, stdin.encode()), *parts)


def test_non_utf8_input_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    assert_one_line_error(*_in_process(monkeypatch, capsys, '{"field": "大数据"}'.encode("gbk")), "UTF-8")


def test_file_argument_and_lang_override(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({**PROFILE, "field": "coal-bed methane"}), encoding="utf-8")
    code, out, _ = _in_process(monkeypatch, capsys, b"", str(path))
    assert code == 0 and json.loads(out)["categories"][0]["reasons"][0].endswith("(Source: Article 1)")
    code, out, _ = _in_process(monkeypatch, capsys, b"", "--lang", "zh", str(path))
    assert code == 0 and json.loads(out)["categories"][0]["reasons"][0].endswith("（依据：第一条）")
