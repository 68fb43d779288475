"""``make audit``'s verdict: pip-audit's findings on ``requirements.lock`` against ``deploy/audit-exceptions.yml``.

pip-audit (in its own venv, ``.auditvenv``) writes a JSON report; this script fails when the report
holds a finding that the exceptions file does not explain. An exception names the package, its
pinned version (an upgrade makes the entry lapse, so it is re-justified), the advisory ids (any alias
matches), what pins it and why the finding is unreachable here or how it is mitigated.

Exit status: 0 clean (every finding explained), 1 an unexplained finding or a malformed exceptions
file, 3 the audit did not happen (no report: the service could not be reached) or skipped packages.
With ``--allow-unreachable`` (``make test``) status 3 becomes a loud warning and 0, because a
machine that cannot reach any vulnerability service must still run the tests; a finding never does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

UNREACHABLE = 3
REQUIRED = ("package", "version", "ids", "pinned_by", "why")
MIN_WHY_CHARS = 40  # "n/a" explains nothing


def canonical(name: str) -> str:
    """PEP 503 name: pip-audit and the lock file spell packages differently."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    ids: frozenset[str]
    fix_versions: tuple[str, ...]

    def __str__(self) -> str:
        fixed = ", ".join(self.fix_versions) or "no fix yet"
        return f"{self.package} {self.version}: {' / '.join(sorted(self.ids))} (fixed in {fixed})"


def load_exceptions(path: Path) -> tuple[dict[tuple[str, str], set[str]], list[str]]:
    """(package, version) -> explained ids, and the problems found in the file."""
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("exceptions") or []
    explained: dict[tuple[str, str], set[str]] = {}
    problems = []
    for i, entry in enumerate(entries, 1):
        missing = [k for k in REQUIRED if not entry.get(k)]
        if missing:
            problems.append(f"{path}: entry {i} lacks {', '.join(missing)}")
            continue
        if len(str(entry["why"]).strip()) < MIN_WHY_CHARS:
            problems.append(f"{path}: entry {i} ({entry['package']}) does not say why")
            continue
        key = (canonical(entry["package"]), str(entry["version"]))
        explained.setdefault(key, set()).update(str(x).upper() for x in entry["ids"])
    return explained, problems


def read_report(path: Path) -> tuple[list[Finding], list[str]]:
    """(findings, packages pip-audit could not audit) from its ``-f json`` report."""
    report = json.loads(path.read_text(encoding="utf-8"))
    findings, skipped = [], []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped.append(f"{dep['name']}: {dep['skip_reason']}")
        for vuln in dep.get("vulns", []):
            ids = frozenset(str(x).upper() for x in [vuln["id"], *vuln.get("aliases", [])])
            findings.append(Finding(canonical(dep["name"]), str(dep["version"]), ids,
                                    tuple(vuln.get("fix_versions", []))))
    return findings, skipped


def verdict(report: Path, exceptions: Path, allow_unreachable: bool = False) -> int:
    explained, problems = load_exceptions(exceptions)
    for p in problems:
        print(f"audit: {p}", file=sys.stderr)
    if not report.exists():
        return _incomplete("pip-audit wrote no report: its vulnerability service could not be reached",
                           allow_unreachable, problems)
    findings, skipped = read_report(report)
    unexplained = [f for f in findings if not f.ids & explained.get((f.package, f.version), set())]
    for f in findings:
        print(f"audit: {'UNEXPLAINED' if f in unexplained else 'explained'}  {f}")
    if unexplained:
        print(f"audit: {len(unexplained)} finding(s) not explained in {exceptions}: upgrade the package, or "
              "say there why the finding is unreachable here or how it is mitigated", file=sys.stderr)
        return 1
    if problems:
        return 1
    if skipped:
        detail = skipped[0] if len(skipped) == 1 else f"{skipped[0]} (and {len(skipped) - 1} more)"
        return _incomplete(f"{len(skipped)} of the locked packages were not audited: {detail}",
                           allow_unreachable, problems)
    print(f"audit: {len(findings)} finding(s), all explained in {exceptions}")
    return 0


def _incomplete(why: str, allow_unreachable: bool, problems: list[str]) -> int:
    print(f"audit: NOT DONE - {why}.", file=sys.stderr)
    if problems:
        return 1
    if allow_unreachable:
        print("audit: continuing (--allow-unreachable); run `make audit` where the service answers",
              file=sys.stderr)
        return 0
    return UNREACHABLE


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tools/audit.py", description=__doc__.split("\n", 1)[0])
    p.add_argument("report", type=Path, help="pip-audit's JSON report (-f json -o FILE)")
    p.add_argument("exceptions", type=Path, help="the explained findings (deploy/audit-exceptions.yml)")
    p.add_argument("--allow-unreachable", action="store_true",
                   help="exit 0, with a warning, when the service could not be asked")
    args = p.parse_args(argv)
    return verdict(args.report, args.exceptions, args.allow_unreachable)


if __name__ == "__main__":
    sys.exit(main())
