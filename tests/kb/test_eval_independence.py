"""Nothing the assistant learns from contains an evaluation question (issue 17, item 2).

The evaluation sets measure how the assistant copes with wording nobody trained or tuned on; a KB
question variant, an out-of-scope example of the learned ranker or an NLU training example equal to one
of their questions would turn that question into a memory test. Compared after the
search's own normalisation (NFKC, simplified characters, lower case) with punctuation and spaces
dropped, so "绿卡怎么申请？" and "绿卡 怎么申请" are the same question.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from policy_kb.ranker import out_of_scope_examples
from policy_kb.source import load_source
from policy_kb.text import normalize

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
_NOT_A_LETTER = re.compile(r"[\W_]+")


def eval_files() -> list[Path]:
    return sorted([*BENCH.glob("eval_questions.yml"), *BENCH.glob("eval_v*/*.yml")])


def question_key(text: str) -> str:
    return _NOT_A_LETTER.sub("", normalize(text))


def eval_questions() -> dict[str, str]:
    """Normalised question -> the file it comes from."""
    found: dict[str, str] = {}
    for path in eval_files():
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            found[question_key(case["q"])] = path.name
    return found


def test_the_evaluation_sets_are_there_to_compare_with() -> None:
    names = {p.name for p in eval_files()}
    assert {"eval_questions.yml", "dev.yml", "dev2.yml", "test.yml"} <= names
    assert len(eval_questions()) > 900


def test_the_key_ignores_case_punctuation_spaces_and_script() -> None:
    assert question_key("綠卡 怎麼申請？") == question_key("绿卡怎么申请")
    assert question_key("Green card, HOW?") == question_key("green card how")
    assert question_key("绿卡怎么申请") != question_key("绿卡怎么办")


def test_no_question_variant_is_an_evaluation_question() -> None:
    evaluation = eval_questions()
    copied = [f"article {ref}: {text!r} is in {evaluation[key]}"
              for ref, _, text in load_source().questions if (key := question_key(text)) in evaluation]
    assert not copied, "\n".join(copied)


def test_no_out_of_scope_example_is_an_evaluation_question() -> None:
    evaluation = eval_questions()
    copied = [f"{text!r} is in {evaluation[key]}" for text in out_of_scope_examples()
              if (key := question_key(text)) in evaluation]
    assert not copied, "\n".join(copied)


def nlu_examples() -> list[tuple[Path, str]]:
    """(file, example) of every NLU training file, the generated KB examples included."""
    found = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            found += [(path, line.strip()[2:]) for line in str(block.get("examples", "")).splitlines()
                      if line.strip().startswith("- ")]
    return found


def test_no_nlu_example_is_an_evaluation_question() -> None:
    evaluation = eval_questions()
    examples = nlu_examples()
    assert len(examples) > 1000
    copied = [f"{path.relative_to(ROOT)}: {text!r} is in {evaluation[key]}" for path, text in examples
              if (key := question_key(text)) in evaluation]
    assert not copied, "\n".join(copied)
