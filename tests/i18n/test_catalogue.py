"""The catalogue loader refuses, at load time, any file that cannot answer in both languages."""

from pathlib import Path

import pytest

from i18n import Catalogue, CatalogueError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "texts.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_text_is_looked_up_by_key_and_language_with_its_values(tmp_path: Path) -> None:
    cat = Catalogue(_write(tmp_path, "hi:\n  zh: 你好，{name}\n  en: Hello, {name}\n"))
    assert cat("hi", "zh", name="李") == "你好，李"
    assert cat("hi", "en", name="Li") == "Hello, Li"
    assert cat.both("hi", name="X") == {"zh": "你好，X", "en": "Hello, X"}
    assert "hi" in cat and list(cat) == ["hi"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("hi:\n  zh: 你好\n", "no text in en"),
        ("hi:\n  zh: ''\n  en: Hello\n", "no text in zh"),
        ("hi:\n  zh: 你好{name}\n  en: Hello\n", "zh takes ['name'] but en takes []"),
        ("hi:\n  zh: 你好\n  en: Hello\n  fr: Salut\n", "unknown language(s) fr"),
        ("hi: Hello\n", "expected {zh: ..., en: ...}"),
        ("- a\n", "expected a mapping"),
    ],
)
def test_a_broken_catalogue_fails_when_loaded_naming_file_and_key(tmp_path: Path, body: str, problem: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(CatalogueError) as raised:
        Catalogue(path)
    assert str(path) in str(raised.value) and problem in str(raised.value)
