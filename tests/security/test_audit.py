"""``make audit``: the verdict on pip-audit's report, and the conditions its explained exceptions rest on.

The verdict is ``tools/audit.py`` run as the Makefile runs it, on pip-audit reports of the shape
pip-audit 2.10 writes (``-f json``). The explanations in ``deploy/audit-exceptions.yml`` say "the C
parser is used", "no static route", "the upb backend": those are asserted here, so an exception cannot
quietly outlive its reason.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.model import ROOT

EXCEPTIONS = ROOT / "deploy" / "audit-exceptions.yml"
EXPLAINED_ID = "GHSA-8495-4g3g-x7pr"  # aiohttp 3.9.5's pure-Python parser smuggling, explained in the file


def audit(tmp_path: Path, dependencies: list[dict] | None, *flags: str) -> subprocess.CompletedProcess:
    report = tmp_path / "audit.json"
    if dependencies is not None:
        report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    return subprocess.run([sys.executable, str(ROOT / "tools" / "audit.py"), str(report), str(EXCEPTIONS), *flags],
                          capture_output=True, text=True, timeout=60)


def finding(vuln_id: str, name: str = "aiohttp", version: str = "3.9.5", aliases: tuple[str, ...] = ()) -> dict:
    return {"name": name, "version": version,
            "vulns": [{"id": vuln_id, "fix_versions": ["3.13.3"], "aliases": list(aliases), "description": "..."}]}


def test_a_finding_the_file_does_not_explain_fails_the_audit(tmp_path: Path) -> None:
    out = audit(tmp_path, [finding(EXPLAINED_ID), finding("GHSA-0000-new0-vuln")], "--allow-unreachable")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "UNEXPLAINED  aiohttp 3.9.5: GHSA-0000-NEW0-VULN" in out.stdout


def test_explained_findings_pass_by_id_or_alias(tmp_path: Path) -> None:
    out = audit(tmp_path, [finding(EXPLAINED_ID), finding("PYSEC-2099-1", aliases=("CVE-2025-53643",)),
                           {"name": "requests", "version": "2.34.2", "vulns": []}])
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 finding(s), all explained" in out.stdout


def test_an_exception_lapses_when_the_package_moves(tmp_path: Path) -> None:
    assert audit(tmp_path, [finding(EXPLAINED_ID, version="3.9.6")]).returncode == 1


@pytest.mark.parametrize("report", [None, [{"name": "aiohttp", "version": "3.9.5", "skip_reason": "not found on PyPI"}]],
                         ids=["no report", "packages skipped"])
def test_an_audit_that_could_not_ask_is_not_a_pass(tmp_path: Path, report: list[dict] | None) -> None:
    out = audit(tmp_path, report)
    assert out.returncode == 3 and "NOT DONE" in out.stderr, out.stdout + out.stderr
    lenient = audit(tmp_path, report, "--allow-unreachable")
    assert lenient.returncode == 0 and "NOT DONE" in lenient.stderr


def test_every_exception_names_a_locked_version_and_says_why() -> None:
    locked = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            locked[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    entries = yaml.safe_load(EXCEPTIONS.read_text(encoding="utf-8"))["exceptions"]
    assert entries
    for e in entries:
        assert locked.get(e["package"].lower()) == str(e["version"]), f"{e['package']} {e['version']} is not locked"
        assert e["ids"] and e["pinned_by"] and len(e["why"]) > 40


# --- what the explanations rely on ------------------------------------------------------------------------

def test_aiohttp_parses_with_its_c_parser() -> None:
    from aiohttp import http_parser

    assert http_parser.HttpRequestParser.__module__ == "aiohttp._http_parser"
    assert http_parser.HttpResponseParser.__module__ == "aiohttp._http_parser"


def test_protobuf_uses_its_c_backend() -> None:
    from google.protobuf.internal import api_implementation

    assert api_implementation.Type() == "upb"


def test_the_web_front_registers_no_aiohttp_static_route() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot" / "web").glob("*.py"))
    assert "add_static" not in source and "StaticResource" not in source and "follow_symlinks" not in source
