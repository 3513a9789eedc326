"""One broken content overlay per rule, each with the exact lines `check` must print.

Each folder under fixtures/errors/ is named after the rule it proves. Its files are laid
over a copy of the valid clinic; `remove.txt` lists files to delete first; `expected.txt`
holds the diagnostic lines. The folders double as documentation of every rule.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinicsite.diagnostics import RULES
from tests.conftest import FIXTURES, run_cli

ERRORS = FIXTURES / "errors"
CASES = sorted(p.name for p in ERRORS.iterdir() if p.is_dir())


def apply_overlay(case: Path, project: Path) -> None:
    remove = case / "remove.txt"
    for name in remove.read_text().split() if remove.exists() else ():
        target = project / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    for path in sorted(case.rglob("*")):
        if path.is_file() and path.name not in ("expected.txt", "remove.txt"):
            target = project / path.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@pytest.mark.parametrize("case", CASES)
def test_rule_fixture_reports_exact_lines(case: str, project: Path) -> None:
    apply_overlay(ERRORS / case, project)
    expected = (ERRORS / case / "expected.txt").read_text().splitlines()
    result = run_cli("check")
    assert result.lines == expected
    assert result.code == (1 if any(": error: " in line for line in expected) else 0)
    assert "Traceback" not in result.out + result.err


@pytest.mark.parametrize("case", CASES)
def test_rule_fixture_is_named_after_a_rule_it_triggers(case: str) -> None:
    rule = case.split("--")[0]
    assert rule in RULES
    assert any(line.endswith(f"[{rule}]") for line in (ERRORS / case / "expected.txt").read_text().splitlines())


def test_every_content_rule_has_a_fixture() -> None:
    """Rules proven elsewhere: layout-error (test_render), the size limit, links out and unreadable files (test_loader,
    test_silent_input), publish-placeholder (test_signoff, with build --publish)."""
    elsewhere = {"layout-error", "yaml-too-large", "content-outside", "content-unreadable", "publish-placeholder"}
    covered = {case.split("--")[0] for case in CASES}
    assert set(RULES) - elsewhere <= covered, sorted(set(RULES) - elsewhere - covered)
