"""Treatments run in worker processes give the very same site and diagnostics as run in turn."""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

import pytest

from bench.generate import generate
from clinicsite import pipeline, runner
from clinicsite.diagnostics import format_text
from clinicsite.loader import display_path
from tests.conftest import TODAY, sign
from tests.helpers import rule_ids, snapshot

UNCITED = "\n- id: s999\n  kind: review\n  title: A source nobody cites\n  year: 2001\n"


def _weaken(content: Path, slug: str) -> None:
    """Make the first mechanism claim of slug rest on an animal study only (an evidence-weak warning)."""
    path = content / "treatments" / slug / "mechanism.yaml"
    path.write_text(re.sub(r"cite: \[.*\]", 'cite: [{source: s005, locator: "p. 1"}]', path.read_text(), count=1))


def _with_warnings(content: Path) -> None:
    with (content / "sources.yaml").open("a") as sources:
        sources.write(UNCITED)
    for slug in ("treatment-0002", "treatment-0013", "treatment-0024"):
        _weaken(content, slug)
    sign(content, "treatment-0002", "treatment-0013", "treatment-0024", by="dr-bench", on=TODAY - datetime.timedelta(days=30))


def _with_errors(content: Path) -> None:
    _with_warnings(content)
    (content / "treatments" / "treatment-0007" / "notes.yaml").write_text("x: 1\n")
    (content / "treatments" / "Bad_Slug").mkdir()
    (content / "treatments" / "stray.yaml").write_text("")
    faqs = content / "treatments" / "treatment-0019" / "faqs.yaml"
    faqs.write_text(faqs.read_text().replace("cite: [", "cites: [", 1))


def _ways(monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    monkeypatch.setattr(runner, "PARALLEL_FROM", 1 if parallel else 10**9)
    monkeypatch.setattr(runner, "workers", lambda: 2)


def _run(content: Path, parallel: bool, monkeypatch: pytest.MonkeyPatch) -> pipeline.Outcome:
    _ways(monkeypatch, parallel)
    return pipeline.render_site(content, today=TODAY)


@pytest.mark.parametrize("spoil", [_with_warnings, _with_errors], ids=["warnings", "errors"])
def test_parallel_and_serial_runs_give_the_same_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: object) -> None:
    content = generate(tmp_path, 25, TODAY)  # 3 chunks of CHUNK = 10
    assert callable(spoil)
    spoil(content)
    serial = _run(content, False, monkeypatch)
    parallel = _run(content, True, monkeypatch)
    assert [format_text(d) for d in parallel.diagnostics] == [format_text(d) for d in serial.diagnostics]
    assert [f.path for f in parallel.files] == [f.path for f in serial.files]
    for mine, theirs in zip(parallel.files, serial.files, strict=True):
        assert mine.content == theirs.content, mine.path
    assert parallel == serial  # and everything else: counts, site info, slugs, reading grades
    rules = rule_ids(format_text(d) for d in serial.diagnostics)
    if spoil is _with_errors:  # an invalid treatment hides source-unused: its citations are unknown
        assert {"content-unexpected-file", "slug-format", "cite-missing", "evidence-weak"} <= rules and not serial.files
    else:
        assert {"source-unused", "evidence-weak"} <= rules
        assert len(serial.files) == 25 + 6  # treatments, index, 404, sitemap, robots, _headers, the stylesheet
        assert serial.slugs == tuple(f"treatment-{i:04}" for i in range(1, 26)) and serial.info is not None


def test_check_gives_the_same_outcome_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = generate(tmp_path, 25, TODAY)
    _with_warnings(content)
    _ways(monkeypatch, False)
    serial = pipeline.check(content, today=TODAY)
    _ways(monkeypatch, True)
    parallel = pipeline.check(content, today=TODAY)
    assert parallel == serial and serial.counts == (25, 201) and serial.warnings and not serial.errors and not serial.files


def test_a_parallel_build_writes_the_serial_tree_and_a_failed_one_leaves_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = generate(tmp_path / "c", 25, TODAY)
    _ways(monkeypatch, False)
    serial = pipeline.build(content, tmp_path / "serial", today=TODAY)
    _ways(monkeypatch, True)
    parallel = pipeline.build(content, tmp_path / "site", today=TODAY)
    assert serial.written is not None and parallel.written == serial.written
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "serial")
    before = snapshot(tmp_path / "site")
    faqs = content / "treatments" / "treatment-0019" / "faqs.yaml"  # one treatment's error: nothing is written
    faqs.write_text(faqs.read_text().replace("cite: [", "cites: [", 1))
    failed = pipeline.build(content, tmp_path / "site", today=TODAY)
    assert failed.errors and failed.written is None
    assert snapshot(tmp_path / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "serial", "site"]  # no stage left behind


def test_check_finds_a_broken_layout_while_the_workers_check_the_treatments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = generate(tmp_path, 25, TODAY)
    layouts = tmp_path / "layouts"
    shutil.copytree(pipeline.DEFAULT_LAYOUTS, layouts)
    (layouts / "404.html").write_text("{% if %}\n")
    found = []
    for parallel in (False, True):
        _ways(monkeypatch, parallel)
        outcome = pipeline.check(content, layouts, today=TODAY)
        found.append([format_text(d) for d in outcome.diagnostics if d.rule == "layout-error"])
    assert found[0] == found[1] and len(found[0]) == 1 and found[0][0].startswith(f"{display_path(layouts / '404.html')}:1")
