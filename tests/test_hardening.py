"""Hostile or broken input: refused with a located error, never a crash, never a lost site."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, PROJECT, TODAY, Result, sign
from tests.helpers import rule_of, snapshot

LOOKALIKES = [
    "m\u0456croneedling",  # Cyrillic small i
    "microneedl\u0456ng-",  # Cyrillic small i and a trailing hyphen
    "\uff4dicroneedling",  # fullwidth m
    "micro\u00adneedling",  # soft hyphen
    "micro\u200bneedling",  # zero-width space
    "microne\u0301edling",  # e with a combining accent
    "Microneedling",
    "micro needling",
    "micro--needling",
]


@pytest.mark.parametrize("name", LOOKALIKES)
def test_lookalike_treatment_slugs_are_refused(project: Path, cli: Callable[..., Result], name: str) -> None:
    shutil.copytree(project / "content/treatments/sample-treatment", project / "content/treatments" / name)
    result = cli("build")
    assert result.code == 1
    assert [rule_of(line) for line in result.lines] == ["slug-format"]
    assert f"treatment folder '{name}' is not a valid slug" in result.out
    assert not (project / "site").exists()


@pytest.mark.parametrize("name", ["notes.txt", "photo.png", "benefits.yml", "benefits.yaml.bak"])
def test_files_that_are_not_content_are_reported(project: Path, cli: Callable[..., Result], name: str) -> None:
    (project / "content/treatments/sample-treatment" / name).write_bytes(b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"text")
    result = cli("check")
    assert result.code == 1
    assert result.lines[0].endswith("[content-unexpected-file]") and name in result.lines[0]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("- id: a\n  title: A\n  claims: 42\n", "field-type"),  # a number where the claims list belongs
        ("- id: a\n  title: A\n  claims:\n    - 42\n", "field-type"),  # a claim that is a number
        ("id: a\ntitle: A\n", "field-type"),  # a mapping where the list belongs
        ("- id: a\n  title: [A, B]\n  claims: []\n", "field-type"),
        ("- id: a\n\ttitle: A\n", "yaml-syntax"),  # a tab
        ("- !!python/object/apply:os.system ['touch pwned']\n", "yaml-tag"),
    ],
)
def test_wrong_shapes_anywhere_are_located(project: Path, cli: Callable[..., Result], text: str, rule: str) -> None:
    (project / "content/treatments/sample-treatment/mechanism.yaml").write_text(text)
    result = cli("check")
    assert result.code == 1
    assert any(line.startswith("content/treatments/sample-treatment/mechanism.yaml:") and line.endswith(f"[{rule}]") for line in result.lines)
    assert not (project / "pwned").exists()


@pytest.mark.parametrize(("today", "rule", "code"), [(None, "review-future", 1), ("9999-12-31", "review-due", 0)])
def test_a_review_dated_in_year_9999_is_located_not_a_crash(project: Path, cli: Callable[..., Result], today: str | None, rule: str, code: int) -> None:
    """The next review of a page reviewed late in 9999 is the last day a date can hold, not an overflow."""
    record = project / "content/treatments/sample-treatment/sign-offs.yaml"
    record.write_text(record.read_text().replace('date: "2026-01-31"', 'date: "9999-12-01"'))
    result = cli("build", *(["--today", today] if today else []))
    assert result.code == code, result.err
    assert any(line.startswith("content/treatments/sample-treatment/sign-offs.yaml:") and line.endswith(f"[{rule}]") for line in result.lines), result.lines


# --- SIGKILL during a large build ------------------------------------------------------------


def large_tree(root: Path, treatments: int, marker: str) -> None:
    """A content tree of many copies of the valid treatment, each page saying marker."""
    shutil.rmtree(root / "content", ignore_errors=True)
    shutil.copytree(FIXTURES / "valid" / "content", root / "content")
    sample = root / "content/treatments/sample-treatment"
    (sample / "benefits.yaml").write_text((sample / "benefits.yaml").read_text().replace("A review agrees.", f"A review agrees ({marker})."))
    sign(root / "content", "sample-treatment")
    for n in range(treatments):
        shutil.copytree(sample, root / f"content/treatments/treatment-{n:04d}")


def build(root: Path, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(PROJECT / "build.py"), "build", "--today", TODAY.isoformat(), *args]
    return subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_at_any_moment_never_loses_the_site(tmp_path: Path) -> None:
    """Kill builds of a 200-treatment tree at spread-out moments: site/ is always the old site or the new one, whole."""
    large_tree(tmp_path, 200, "old")
    started = time.monotonic()
    assert build(tmp_path).wait(timeout=300) == 0
    duration = time.monotonic() - started
    old = snapshot(tmp_path / "site")
    large_tree(tmp_path, 200, "new")
    assert build(tmp_path, "--out", "site-new").wait(timeout=300) == 0
    new = snapshot(tmp_path / "site-new")
    assert new != old
    outcomes = []
    rng = random.Random(0)
    for trial in range(10):
        proc = build(tmp_path)
        time.sleep(duration * (trial + rng.random()) / 10)  # from the first moments to the very end
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        now = snapshot(tmp_path / "site")
        assert now in (old, new), f"trial {trial}: site/ is neither the old site nor the new one, whole"
        outcomes.append("old" if now == old else "new")
        restore(tmp_path / "site", old)
    assert "old" in outcomes  # kills landed mid-build, not only after it
    assert build(tmp_path).wait(timeout=300) == 0  # and the next build cleans up after them
    assert snapshot(tmp_path / "site") == new
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []


def restore(site: Path, files: dict[str, bytes]) -> None:
    """Put the old site back for the next trial, leaving any leftovers of the killed build."""
    shutil.rmtree(site)
    for name, data in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)
