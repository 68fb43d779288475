"""Every bilingual text of the repository has both languages: each catalogue, and each domain response.

The catalogues are found, not listed: every module outside ``tests/`` that builds an ``i18n.Catalogue``
is imported and the catalogues it holds are loaded again from their files (loading is the check). Any
YAML file in the tree written in the catalogue shape must be one of them, so a catalogue that no code
loads (and so no start-up checks) fails too. The domain's responses keep their languages as conditional
variations on the ``language`` slot; each needs a ``zh`` and an ``en`` one.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from i18n import LANGUAGES, Catalogue, CatalogueError
from i18n.responses import load_responses, missing_languages

ROOT = Path(__file__).resolve().parents[2]
#: Not the project's code: the environment, data the services write, and the tests (which build
#: catalogues of their own in temporary folders).
SKIP_DIRS = {".git", ".venv", "node_modules", "var", "__pycache__", "tests", ".mypy_cache", ".ruff_cache",
             ".pytest_cache"}


def project_files(root: Path, suffix: str) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        yield from (Path(folder) / f for f in sorted(files) if f.endswith(suffix))


def catalogue_modules(root: Path) -> list[str]:
    """Dotted names of the modules that build a catalogue (``Catalogue(`` in their code)."""
    names = []
    for path in project_files(root, ".py"):
        relative = path.relative_to(root)
        if relative.parts[0] != "i18n" and "Catalogue(" in path.read_text(encoding="utf-8"):
            names.append(".".join(relative.with_suffix("").parts).removesuffix(".__init__"))
    return names


def loaded_catalogues(root: Path) -> dict[Path, Catalogue]:
    """Every catalogue the project's modules hold, by its file."""
    found: dict[Path, Catalogue] = {}
    for name in catalogue_modules(root):
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Catalogue):
                found[value.path.resolve()] = value
    return found


def in_catalogue_shape(doc: object) -> bool:
    """A non-empty mapping of keys to mappings of languages to texts: what a catalogue file looks like (a
    file of terms per language, like the search's places, has lists there and is no catalogue)."""
    return isinstance(doc, dict) and bool(doc) and all(
        isinstance(v, dict) and v and set(v) <= set(LANGUAGES) and all(isinstance(t, str) for t in v.values())
        for v in doc.values())


def catalogue_shaped_files(root: Path) -> set[Path]:
    shaped = set()
    for path in [*project_files(root, ".yml"), *project_files(root, ".yaml")]:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        if in_catalogue_shape(doc):
            shaped.add(path.resolve())
    return shaped


@pytest.fixture(scope="module")
def catalogues() -> dict[Path, Catalogue]:
    return loaded_catalogues(ROOT)


def test_the_project_s_catalogues_are_found(catalogues: dict[Path, Catalogue]) -> None:
    packages = {path.relative_to(ROOT).parts[0] for path in catalogues}
    assert {"actions", "bot", "policy_kb"} <= packages, sorted(catalogues)
    assert all(path.suffix == ".yml" for path in catalogues)


def test_every_catalogue_loads_from_its_file_with_both_languages(catalogues: dict[Path, Catalogue]) -> None:
    for path, catalogue in catalogues.items():
        fresh = Catalogue(path)  # raises CatalogueError naming the file and the key
        assert fresh.keys() == catalogue.keys(), path
        for key in fresh:
            assert all(fresh(key, lang).strip() for lang in LANGUAGES), (path, key)


def test_no_catalogue_file_is_left_unloaded(catalogues: dict[Path, Catalogue]) -> None:
    unloaded = catalogue_shaped_files(ROOT) - set(catalogues)
    assert not unloaded, f"catalogue files no module loads (so nothing checks them): {sorted(map(str, unloaded))}"


def test_every_domain_response_has_a_chinese_and_an_english_variation() -> None:
    responses = load_responses(ROOT / "domain")
    assert len(responses) >= 5
    assert missing_languages(responses) == {}


# --- the checks can fail -----------------------------------------------------------------------------


def test_a_catalogue_copy_missing_a_language_fails_to_load(catalogues: dict[Path, Catalogue], tmp_path: Path) -> None:
    source = next(iter(catalogues))
    broken = tmp_path / source.name
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    key = next(iter(doc))
    del doc[key]["en"]
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=f"{key}: no text in en"):
        Catalogue(broken)


def test_an_unloaded_catalogue_file_is_found(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "texts.yml").write_text("hi:\n  zh: 你好\n  en: Hello\n", encoding="utf-8")
    (tmp_path / "pkg" / "rules.yml").write_text("conditions: {a: {degree_at_least: master}}\n", encoding="utf-8")
    assert catalogue_shaped_files(tmp_path) == {(tmp_path / "pkg" / "texts.yml").resolve()}


def test_a_domain_copy_with_a_response_missing_english_fails(tmp_path: Path) -> None:
    domain = tmp_path / "domain"
    shutil.copytree(ROOT / "domain", domain)
    core = domain / "core.yml"
    doc = yaml.safe_load(core.read_text(encoding="utf-8"))
    doc["responses"]["utter_help"] = [v for v in doc["responses"]["utter_help"]
                                      if (v.get("condition") or [{}])[0].get("value") != "en"]
    core.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert missing_languages(load_responses(domain))["utter_help"] == ["en"]
