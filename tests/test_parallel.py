"""Treatments run in worker processes give the very same site and diagnostics as run in turn."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from bench.generate import generate
from clinicsite import pipeline
from clinicsite.diagnostics import format_text
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


def _run(content: Path, parallel: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], dict[str, bytes], int | None]:
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1 if parallel else 10**9)
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)
    outcome = pipeline.render_site(content, today=TODAY)
    return [format_text(d) for d in outcome.diagnostics], {f.path: f.content for f in outcome.files}, outcome.errors


@pytest.mark.parametrize("spoil", [_with_warnings, _with_errors], ids=["warnings", "errors"])
def test_parallel_and_serial_runs_give_the_same_bytes_and_diagnostics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: object) -> None:
    content = generate(tmp_path, 25, TODAY)  # 3 chunks of CHUNK = 10
    assert callable(spoil)
    spoil(content)
    serial = _run(content, False, monkeypatch)
    parallel = _run(content, True, monkeypatch)
    assert parallel[0] == serial[0]
    assert parallel[1].keys() == serial[1].keys()
    for path, data in serial[1].items():
        assert parallel[1][path] == data, path
    assert parallel[2] == serial[2]
    rules = rule_ids(serial[0])
    if spoil is _with_errors:  # an invalid treatment hides source-unused: its citations are unknown
        assert {"content-unexpected-file", "slug-format", "cite-missing", "evidence-weak"} <= rules and not serial[1]
    else:
        assert {"source-unused", "evidence-weak"} <= rules
        assert len(serial[1]) == 25 + 6  # treatments, index, 404, sitemap, robots, _headers, the stylesheet


def test_workers_do_not_send_treatments_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = generate(tmp_path, 3, TODAY)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)
    outcome = pipeline.render_site(content, today=TODAY)
    assert outcome.site is None and outcome.counts == (3, 200) and not outcome.errors


def test_workers_write_their_pages_into_the_stage_and_a_failed_build_leaves_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = generate(tmp_path / "c", 25, TODAY)
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 10**9)
    serial = pipeline.build(content, tmp_path / "serial", today=TODAY)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 1)
    parallel = pipeline.build(content, tmp_path / "site", today=TODAY)
    assert parallel.staged is not None and len(parallel.staged[1]) == 25  # the pages came from the workers
    assert serial.staged is None and serial.written is not None and parallel.written is not None
    assert (parallel.written.files, parallel.written.bytes) == (serial.written.files, serial.written.bytes)
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "serial")
    before = snapshot(tmp_path / "site")
    faqs = content / "treatments" / "treatment-0019" / "faqs.yaml"  # one treatment's error: the others' pages were written
    faqs.write_text(faqs.read_text().replace("cite: [", "cites: [", 1))
    failed = pipeline.build(content, tmp_path / "site", today=TODAY)
    assert failed.errors and failed.written is None
    assert snapshot(tmp_path / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "serial", "site"]  # no stage left behind
