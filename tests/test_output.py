"""Output: all or nothing, stale files removed, byte-identical rebuilds, unsafe targets refused."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest

from clinicsite import output
from clinicsite.output import OutputError, inside, recover, write_site
from clinicsite.render import CSP, File, hashed_name
from clinicsite.target import MARKER, MARKER_TEXT
from tests.conftest import PROJECT, run_cli
from tests.helpers import snapshot


def test_failing_build_leaves_previous_site_byte_identical(project: Path) -> None:
    assert run_cli("build").code == 0
    before = snapshot(project / "site")
    (project / "content/treatments/sample-treatment/benefits.yaml").write_text("- id: x\n  title: X\n  claims:\n    - text: Unsourced.\n")
    assert run_cli("build").code == 1
    assert snapshot(project / "site") == before
    assert [p.name for p in project.iterdir() if p.name.startswith(".site")] == []


def test_removed_treatment_disappears(project: Path) -> None:
    shutil.copytree(project / "content/treatments/sample-treatment", project / "content/treatments/other-treatment")
    assert run_cli("build").code == 0
    assert (project / "site/treatments/other-treatment/index.html").exists()
    shutil.rmtree(project / "content/treatments/other-treatment")
    assert run_cli("build").code == 0
    assert not (project / "site/treatments/other-treatment").exists()


def test_two_builds_are_byte_identical(project: Path) -> None:
    assert run_cli("build").code == 0
    first = snapshot(project / "site")
    assert run_cli("build", "--out", "site2").code == 0
    assert snapshot(project / "site2") == first
    assert len(first) == 8  # index, one treatment, 404, sitemap, robots, _headers, the stylesheet, and the marker that lets the next build replace them


def test_check_writes_nothing(project: Path) -> None:
    assert run_cli("check").code == 0
    assert sorted(p.name for p in project.iterdir()) == ["content"]


@pytest.mark.parametrize("out", [".", "content", ".."])
def test_output_folder_that_holds_content_is_refused(project: Path, out: str) -> None:
    result = run_cli("build", "--out", out)
    assert result.code == 2
    assert "refusing to replace" in result.err
    assert (project / "content/site.yaml").exists()


def test_git_repository_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "repo/.git").mkdir(parents=True)
    with pytest.raises(OutputError, match="git repository"):
        write_site((File("index.html", b"x"),), tmp_path / "repo")
    assert (tmp_path / "repo/.git").is_dir()


def test_killed_build_leftovers_are_cleaned_and_old_site_restored(tmp_path: Path) -> None:
    (tmp_path / ".site.staging-abc").mkdir()
    (tmp_path / ".site.staging-abc/half.html").write_text("half")
    (tmp_path / ".site.old-xyz").mkdir()
    (tmp_path / ".site.old-xyz/index.html").write_text("previous")
    recover(tmp_path / "site")  # as if killed between setting the old site aside and the swap
    assert (tmp_path / "site/index.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_file_paths_cannot_escape_the_output_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="outside the output folder"):
        write_site((File("../escaped.html", b"x"),), tmp_path / "site")
    assert not (tmp_path / "escaped.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "stays"),
    [
        *[("index.html", True), ("a/./b.html", True), ("a//b.html", True), ("./a.html", True), ("..x/a.html", True)],
        *[("", False), (".", False), ("./", False), ("/a.html", False), ("//a.html", False), ("a/../b.html", False), ("..", False), ("a/..", False)],
    ],
)
def test_a_path_inside_the_output_folder_is_one_without_a_root_or_a_parent_step(path: str, stays: bool) -> None:
    assert inside(path) is stays


def test_swap_is_atomic_here_and_falls_back_where_it_cannot_be(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("build").code == 0
    first = snapshot(project / "site")
    staging = project / ".site.staging-test"
    shutil.copytree(project / "site", staging)
    (staging / "index.html").write_text("new")
    assert output._exchange(staging, project / "site")  # this machine (Linux) swaps in one step
    assert (project / "site/index.html").read_text() == "new"
    assert snapshot(staging) == first
    shutil.rmtree(staging)
    monkeypatch.setattr(output, "_exchange", lambda stage, out: False)  # e.g. macOS: two renames
    assert run_cli("build").code == 0
    assert snapshot(project / "site") == first
    assert [p.name for p in project.iterdir() if p.name.startswith(".site")] == []


def test_a_build_waits_while_another_writes_beside_the_same_folder(project: Path) -> None:
    # A second build's clean-up would otherwise remove the first one's stage as a leftover.
    out = project / "site"
    done: list[int] = []
    with output.lock(out):
        builder = threading.Thread(target=lambda: done.append(run_cli("build").code))
        builder.start()
        builder.join(1.0)
        assert builder.is_alive() and not out.exists()
    builder.join(60)
    assert done == [0] and (out / "index.html").is_file()
    assert [p.name for p in project.iterdir() if p.name.startswith(".site")] == []  # the folder is locked, no lock file


def test_a_write_the_system_refuses_halfway_leaves_the_old_site_and_no_stage(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site((File("index.html", b"old"),), out)
    with pytest.raises(OutputError, match="could not write the site"):  # 'a' cannot be a file and a folder
        write_site((File("index.html", b"new"), File("a", b"file"), File("a/b.html", b"page")), out)
    assert snapshot(out) == {"index.html": b"old", MARKER: MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_site_staged_page_by_page_is_swapped_in_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site((File("index.html", b"old"),), out)
    page = File("treatments/a/index.html", b"a")
    with output.Stage(out) as stage:
        stage.add(page)  # and then the build found an error: never completed
    assert snapshot(out) == {"index.html": b"old", MARKER: MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    with output.Stage(out) as stage:
        stage.add(page)
        result = stage.complete((File("index.html", b"new"),))  # the rest of the site
    assert snapshot(out) == {"index.html": b"new", "treatments/a/index.html": b"a", MARKER: MARKER_TEXT}
    assert (result.files, result.bytes) == (2, 4) and sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    with output.Stage(out) as stage, pytest.raises(OutputError, match=r"'treatments/a/index\.html' twice"):
        stage.add(page)
        stage.complete((File("index.html", b"newer"), File("treatments/a/index.html", b"b")))  # one would be lost
    assert snapshot(out) == {"index.html": b"new", "treatments/a/index.html": b"a", MARKER: MARKER_TEXT}


def test_headers_file_sends_the_pages_policy_with_frame_ancestors_and_caches_only_hashed_assets(project: Path) -> None:
    """Issue 20: the CSP lived only in a <meta>, where frame-ancestors is ignored; nothing said how long to cache."""
    assert run_cli("build").code == 0
    site = project / "site"
    rules: dict[str, dict[str, str]] = {}
    for line in (site / "_headers").read_text().splitlines():
        if line.startswith("/"):
            path = line
        elif line.startswith("  "):
            name, _, value = line.strip().partition(": ")
            rules.setdefault(path, {})[name] = value
    assert rules["/*"]["Content-Security-Policy"] == f"{CSP}; frame-ancestors 'none'"
    assert rules["/*"]["X-Content-Type-Options"] == "nosniff" and rules["/*"]["Referrer-Policy"] == "no-referrer"
    assert rules["/*"]["Strict-Transport-Security"].startswith("max-age=31536000")
    assert rules["/assets/*"] == {"Cache-Control": "public, max-age=31536000, immutable"}
    # a year's cache is safe only because every asset's name changes with its bytes
    for asset in (site / "assets").iterdir():
        assert asset.name == hashed_name(asset.name.split(".")[0] + "." + asset.suffix[1:], asset.read_bytes())
    page = (site / "index.html").read_text()
    assert f'<link rel="stylesheet" href="{next((site / "assets").iterdir()).relative_to(site).as_posix()}">' in page


def test_hashed_name_changes_with_the_bytes() -> None:
    assert re.fullmatch(r"assets/site\.[0-9a-f]{10}\.css", hashed_name("assets/site.css", b"a {}"))
    assert hashed_name("assets/site.css", b"a {}") != hashed_name("assets/site.css", b"b {}")


def test_deployment_note_gives_nginx_and_apache_the_pages_policy() -> None:
    """docs/deployment.md copies the CSP for hosts without _headers; it must not fall behind render.CSP."""
    note = (PROJECT / "docs" / "deployment.md").read_text()
    assert note.count(f"{CSP}; frame-ancestors 'none'") == 2  # nginx and Apache
