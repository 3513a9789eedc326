"""The benchmark runs end to end at a tiny size (a smoke test: no timings are asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.generate import generate
from clinicsite import pipeline
from tests.conftest import PROJECT, TODAY


def test_generated_content_passes_every_rule(tmp_path: Path) -> None:
    outcome = pipeline.check(generate(tmp_path, 2, TODAY), today=TODAY)
    assert outcome.diagnostics == ()
    assert outcome.site is not None and len(outcome.site.treatments) == 2
    assert sum(1 for t in outcome.site.treatments for _ in t.claims()) == 2 * 94


def test_generator_is_deterministic(tmp_path: Path) -> None:
    first, second = generate(tmp_path / "a", 2, TODAY), generate(tmp_path / "b", 2, TODAY)
    files = sorted(p.relative_to(first) for p in first.rglob("*.yaml"))
    assert files == sorted(p.relative_to(second) for p in second.rglob("*.yaml"))
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_bench_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench.run", "--sizes", "2", "--runs", "1", "--root", str(tmp_path), "--json", str(tmp_path / "r.json")]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300, check=True)
    assert "| synthetic N=2 | 6 |" in done.stdout
    assert "| real site (content/) |" in done.stdout
    rows = json.loads((tmp_path / "r.json").read_text())["rows"]
    assert [r["name"] for r in rows] == ["synthetic N=2", "real site (content/)"]
    assert all(r["build_s"] > 0 and r["rebuild_s"] > 0 and r["build_rss_mb"] > 0 for r in rows)
