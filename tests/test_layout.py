"""The package layout holds: every module's imports (module level, inside functions and under
``TYPE_CHECKING`` alike) stay within what its package may import, and no two packages import each other,
directly or round a longer loop.

``LAYERS`` is the table each package's ``__init__`` docstring states in words. A new top-level package
must be added here (the test fails on a package it does not know), so its place is decided once.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Third-party frameworks of the servers: the libraries below them must run without any of them.
SERVER_FRAMEWORKS = frozenset({"rasa", "rasa_sdk", "sanic", "aiohttp"})

#: package -> (project packages it may import besides itself, third-party packages it must not import).
#: ``bot`` is the modules directly in ``bot/`` (runner, model cache, action-server wrapper, Rasa patch and
#: lock store, privacy, metrics); ``python -m bot`` (``bot/__main__.py``) is the CLI's entry, so it counts
#: as ``bot.cli``.
LAYERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "lexicon": (frozenset(), SERVER_FRAMEWORKS),
    "i18n": (frozenset(), SERVER_FRAMEWORKS),
    "datafile": (frozenset(), SERVER_FRAMEWORKS),
    "ratelimit": (frozenset(), SERVER_FRAMEWORKS),
    "appointments": (frozenset({"lexicon", "i18n", "datafile"}), SERVER_FRAMEWORKS),
    "policy_kb": (frozenset({"lexicon", "i18n", "datafile", "appointments"}), SERVER_FRAMEWORKS),
    "registry": (frozenset({"lexicon", "i18n", "datafile", "appointments", "policy_kb"}), SERVER_FRAMEWORKS),
    "extraction": (frozenset({"lexicon", "i18n", "policy_kb", "appointments"}), SERVER_FRAMEWORKS),
    "actions": (frozenset({"lexicon", "i18n", "policy_kb", "appointments", "registry", "extraction", "ratelimit"}),
                frozenset({"rasa", "sanic", "aiohttp"})),
    "bot.nlu": (frozenset({"lexicon", "i18n", "policy_kb", "appointments", "extraction"}), frozenset({"rasa_sdk"})),
    "bot.channels": (frozenset({"lexicon", "i18n", "policy_kb", "appointments", "registry", "ratelimit", "bot",
                                "bot.web"}), frozenset({"rasa_sdk"})),
    "bot.web": (frozenset({"lexicon", "i18n", "policy_kb", "appointments", "registry", "ratelimit", "bot"}),
                frozenset({"rasa", "rasa_sdk", "sanic"})),
    "bot": (frozenset({"lexicon", "i18n", "policy_kb", "appointments", "registry", "bot.nlu"}), frozenset()),
    "bot.cli": (frozenset({"lexicon", "i18n", "policy_kb", "appointments", "registry", "bot"}),
                frozenset({"rasa", "rasa_sdk", "sanic", "aiohttp"})),
}
#: Imports that break the table, each with why it is still here and what removes it (listed, so that a
#: new one fails): none now.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}
#: Modules that belong to another package than their folder's.
MODULE_PACKAGE = {"bot.__main__": "bot.cli"}
#: What the repository holds besides packages of the assistant.
NOT_PACKAGES = frozenset({"tests", "bench", "tools", "data", "domain", "deploy", "var"})


def package_of(module: str) -> str | None:
    """The entry of :data:`LAYERS` that ``module`` belongs to (the longest matching prefix)."""
    if module in MODULE_PACKAGE:
        return MODULE_PACKAGE[module]
    candidates = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return max(candidates, key=len) if candidates else None


def project_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0].startswith(".") or rel.parts[0] in NOT_PACKAGES or len(rel.parts) == 1:
            continue
        yield ".".join(rel.with_suffix("").parts).removesuffix(".__init__"), path


def imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports, absolute, with its line: module level, in functions, anywhere."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x / from ..y import z
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                yield (f"{base}.{node.module}" if node.module else base), node.lineno
            else:
                yield node.module or "", node.lineno


def package_graph() -> tuple[dict[str, set[str]], list[str]]:
    """(package -> packages it imports, the forbidden imports found)."""
    graph: dict[str, set[str]] = {p: set() for p in LAYERS}
    problems: list[str] = []
    for module, path in project_modules():
        source = package_of(module)
        if source is None:
            problems.append(f"{path.relative_to(ROOT)}: package {module.split('.')[0]!r} is not in LAYERS")
            continue
        allowed, banned = LAYERS[source]
        for name, line in imports(module, path):
            target = package_of(name)
            where = f"{path.relative_to(ROOT)}:{line}: {source} imports {name}"
            if target is None:
                if name.split(".")[0] in banned:
                    problems.append(where)
                elif (ROOT / name.split(".")[0]).is_dir() and name.split(".")[0] not in NOT_PACKAGES:
                    problems.append(f"{where} (a package LAYERS does not know)")
            elif target != source:
                graph[source].add(target)
                if target not in allowed and (source, name) not in KNOWN_EXCEPTIONS:
                    problems.append(where)
    return graph, problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every loop of packages (each found once, from its first package in sorted order)."""
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                found.append([*path, start])
            elif nxt not in path and nxt > start:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return found


def test_every_package_imports_only_what_it_may() -> None:
    _, problems = package_graph()
    assert not problems, "\n".join(problems)


def test_no_import_cycle_between_packages() -> None:
    graph, _ = package_graph()
    assert not cycles(graph), cycles(graph)


def test_every_package_says_what_it_is_and_may_import() -> None:
    missing = [p for p in LAYERS if not _docstring(p) or "import" not in _docstring(p)]
    assert not missing, f"packages whose __init__ docstring does not say what they may import: {missing}"


def _docstring(package: str) -> str:
    init = ROOT.joinpath(*package.split("."), "__init__.py")
    return (ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or "") if init.exists() else ""


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c", "a"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_loops(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_the_checks_see_lazy_imports(tmp_path: Path) -> None:
    """An import inside a function counts (the cycle bot.model <-> bot.nlu.training_data was one)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.runner import Services\n    import rasa.core\n", encoding="utf-8")
    assert [name for name, _ in imports("policy_kb.m", module)] == ["bot.runner", "rasa.core"]


def test_no_action_subpackage_shares_a_top_level_packages_name() -> None:
    """rasa_sdk finds actions with ``pkgutil.walk_packages`` without a prefix, which imports a subpackage
    by its bare name: an ``actions/registry/`` would load the top-level ``registry`` library in its place
    and the action server would refuse to start ("No module named 'actions.registry.countries'")."""
    top_level = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    nested = {p.name for p in (ROOT / "actions").iterdir() if (p / "__init__.py").is_file()}
    assert nested and not nested & top_level, nested & top_level


def test_the_action_server_registers_every_custom_action_of_the_domain() -> None:
    import yaml
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    domain_actions = {a for f in (ROOT / "domain").glob("*.yml")
                      for a in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("actions") or []}
    custom = {a for a in domain_actions if a.startswith(("action_", "validate_"))}
    assert custom and custom <= set(executor.actions), sorted(custom - set(executor.actions))
