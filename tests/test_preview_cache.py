"""serve's rebuilds reuse results and files by content hash, and still give exactly a fresh build."""

from __future__ import annotations

import datetime
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate
from clinicsite import cache as cache_module
from clinicsite import loader, pipeline, runner
from clinicsite.cache import BuildCache
from clinicsite.diagnostics import format_text
from clinicsite.render import Renderer, make_environment
from tests.conftest import TODAY
from tests.helpers import snapshot

PAGE = "treatments/treatment-0002/index.html"
OTHER = "treatments/treatment-0001/index.html"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _same_as_fresh(content: Path, layouts: Path, out: Path, cache: BuildCache, scratch: Path) -> None:
    cached = pipeline.build(content, out, layouts, TODAY, cache, drafts=True)
    fresh = pipeline.build(content, scratch / "fresh", layouts, TODAY, drafts=True)
    assert [format_text(d) for d in cached.diagnostics] == [format_text(d) for d in fresh.diagnostics]
    assert snapshot(out) == snapshot(scratch / "fresh")


def test_cached_rebuilds_match_fresh_builds_after_every_kind_of_change(tmp_path: Path) -> None:
    content = generate(tmp_path, 4, TODAY)
    layouts = tmp_path / "layouts"
    shutil.copytree(pipeline.DEFAULT_LAYOUTS, layouts)
    out, cache = tmp_path / "site", BuildCache()
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    benefits = content / "treatments/treatment-0002/benefits.yaml"
    _edit(benefits, 'text: "', 'text: "Again, ')  # one claim
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    _edit(benefits, 'text: "Again, ', 'text: "')  # and back: the kept stage still holds this version
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    _edit(content / "treatments/treatment-0002/treatment.yaml", 'text: "', 'text: "Now, ')  # a summary: the index shows it
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    assert b"Now, " in (out / "index.html").read_bytes()
    _edit(content / "site.yaml", "name: ", "name: The New ")  # site-wide: every page
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    _edit(content / "sources.yaml", "title: Source number 1 ", "title: Source number one ")
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    _edit(layouts / "base.html", "<body>", "<body>\n<!-- changed -->")
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    shutil.move(content / "treatments/treatment-0003", tmp_path / "aside")  # a page goes
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    assert not (out / "treatments/treatment-0003").exists()
    shutil.move(tmp_path / "aside", content / "treatments/treatment-0003")  # and comes back
    _same_as_fresh(content, layouts, out, cache, tmp_path)
    _edit(benefits, "cite: [", "cites: [")  # an error: nothing is written, the last site stays
    before = snapshot(out)
    assert pipeline.build(content, out, layouts, TODAY, cache, drafts=True).errors
    assert snapshot(out) == before


def test_unchanged_files_are_linked_and_changed_ones_never_written_through_a_link(tmp_path: Path) -> None:
    content = generate(tmp_path, 3, TODAY)
    out, cache = tmp_path / "site", BuildCache()
    benefits = content / "treatments/treatment-0002/benefits.yaml"
    pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
    for run in ("First", "Second", "Third"):  # the second and third rebuilds reuse the replaced site as their stage
        other, old = (out / OTHER).stat().st_ino, (out / PAGE).read_bytes()
        os.link(out / PAGE, tmp_path / f"kept-{run}")  # the live page's file, whatever happens to out/
        _edit(benefits, "In cohort", f"Run {run}: in cohort")
        assert not pipeline.build(content, out, today=TODAY, cache=cache, drafts=True).errors
        assert (tmp_path / f"kept-{run}").read_bytes() == old  # not written in place
        assert (out / PAGE).read_bytes() != old and f"Run {run}: in cohort".encode() in (out / PAGE).read_bytes()
        assert (out / OTHER).stat().st_ino == other  # linked, not written again


def test_a_file_changed_behind_the_cache_is_written_again(tmp_path: Path) -> None:
    content = generate(tmp_path, 2, TODAY)
    out, cache = tmp_path / "site", BuildCache()
    for _ in range(2):
        pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
    expected = snapshot(out)
    with (out / OTHER).open("ab") as page:  # in place: the kept stage shares this file
        page.write(b"<!-- edited by hand -->")
    (out / "index.html").unlink()
    for _ in range(2):
        pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
        assert snapshot(out) == expected


def test_a_cache_used_for_another_output_folder_writes_that_folder_whole(tmp_path: Path) -> None:
    content = generate(tmp_path, 2, TODAY)
    cache = BuildCache()
    for _ in range(2):  # the second write keeps the replaced site beside a/site as the next stage
        pipeline.build(content, tmp_path / "a" / "site", today=TODAY, cache=cache, drafts=True)
    pipeline.build(content, tmp_path / "b" / "site", today=TODAY, cache=cache, drafts=True)
    assert snapshot(tmp_path / "b" / "site") == snapshot(tmp_path / "a" / "site")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["site"]


def test_a_site_file_saved_during_a_rebuild_never_leaves_pages_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19: site.yaml saved just after the loader read it; the key must be made from the bytes parsed."""
    content = generate(tmp_path, 2, TODAY)
    out, cache = tmp_path / "site", BuildCache()
    site = content / "site.yaml"
    pipeline.build(content, out, today=TODAY, cache=cache)
    _edit(site, "name: ", "name: Clinic A ")
    parse = loader.parse_yaml

    def save_while_parsing(text: str, shown: str) -> Any:
        if shown.endswith("/site.yaml") and "Clinic A" in site.read_text():
            _edit(site, "Clinic A", "Clinic B")  # lands after the read, before the key is made
        return parse(text, shown)

    monkeypatch.setattr(loader, "parse_yaml", save_while_parsing)
    pipeline.build(content, out, today=TODAY, cache=cache)
    monkeypatch.setattr(loader, "parse_yaml", parse)
    assert "Clinic B" in site.read_text()
    _same_as_fresh(content, pipeline.DEFAULT_LAYOUTS, out, cache, tmp_path)  # the rebuild the save triggers
    assert b"Clinic B" in (out / PAGE).read_bytes()


def test_a_treatment_saved_during_a_rebuild_and_saved_back_never_leaves_its_page_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19: a folder saved between being hashed and being parsed, then saved back."""
    content = generate(tmp_path, 2, TODAY)
    out, cache = tmp_path / "site", BuildCache()
    benefits = content / "treatments/treatment-0002/benefits.yaml"
    pipeline.build(content, out, today=TODAY, cache=cache)
    original = benefits.read_text()
    run = runner.run_all

    def save_before_running(work: Any, items: Any, arrived: Any) -> Any:  # after every folder was read for its key
        _edit(benefits, "In cohort", "Saved mid-build: in cohort")
        return run(work, items, arrived)

    _edit(benefits, "In cohort", "First: in cohort")
    monkeypatch.setattr(runner, "run_all", save_before_running)
    pipeline.build(content, out, today=TODAY, cache=cache)
    monkeypatch.setattr(runner, "run_all", run)
    benefits.write_text(original.replace("In cohort", "First: in cohort", 1))  # saved back, as it was when hashed
    _same_as_fresh(content, pipeline.DEFAULT_LAYOUTS, out, cache, tmp_path)
    assert b"First: in cohort" in (out / PAGE).read_bytes() and b"Saved mid-build" not in (out / PAGE).read_bytes()


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the list each folder the preview's cache reads from disk is appended to (by name)."""
    reads: list[str] = []
    real = cache_module.read_treatment

    def counted(folder: Path, root: Path) -> Any:
        reads.append(folder.name)
        return real(folder, root)

    monkeypatch.setattr(cache_module, "read_treatment", counted)
    return reads


def _touch(path: Path, seconds: int) -> None:
    """Give path a modification time of its own, so a change is never hidden in one tick of the file system's clock."""
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))


def test_a_rebuild_reads_only_the_folders_changed_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = generate(tmp_path, 3, TODAY)
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10**18))  # every folder counts as long settled: the reuse is what is tested
    reads, out, cache = _counting_reads(monkeypatch), tmp_path / "site", BuildCache()
    pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
    assert sorted(reads) == ["treatment-0001", "treatment-0002", "treatment-0003"]
    reads.clear()
    pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
    assert reads == []  # nothing changed on disk: nothing read
    benefits = content / "treatments/treatment-0002/benefits.yaml"
    _edit(benefits, 'text: "', 'text: "Again, ')
    _touch(benefits, 1_000_000)
    _same_as_fresh(content, pipeline.DEFAULT_LAYOUTS, out, cache, tmp_path)
    assert reads == ["treatment-0002"]
    reads.clear()
    stat = benefits.stat()
    _edit(benefits, 'text: "Again, ', 'text: "Later, ')  # the same size, its old modification time put back: the change time still tells
    os.utime(benefits, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    _same_as_fresh(content, pipeline.DEFAULT_LAYOUTS, out, cache, tmp_path)
    assert reads == ["treatment-0002"] and b"Later, " in (out / PAGE).read_bytes()
    reads.clear()
    folder = content / "treatments/treatment-0001"
    (folder / "notes.yaml").write_text("a: b\n")  # a file added: the folder's own times change
    _touch(folder, 2_000_000)
    outcome = pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
    assert reads == ["treatment-0001"] and [d.rule for d in outcome.diagnostics if d.severity == "error"] == ["content-unexpected-file"]


def test_a_folder_changed_in_the_last_seconds_is_read_at_every_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file saved twice within one tick of the file system's clock can look the same both times: a folder that recent is never trusted."""
    content = generate(tmp_path, 2, TODAY)  # written just now
    reads, out, cache = _counting_reads(monkeypatch), tmp_path / "site", BuildCache()
    for _ in range(3):
        pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
    assert sorted(reads) == ["treatment-0001"] * 3 + ["treatment-0002"] * 3


def test_a_kept_renderer_is_one_made_against_the_same_site_wide_inputs_and_not_too_full(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = BuildCache()
    first, second, third = (Renderer(make_environment(pipeline.DEFAULT_LAYOUTS)) for _ in range(3))
    assert cache.renderer(b"site A", first) is first
    assert cache.renderer(b"site A", second) is first  # the same inputs: its presented values still hold
    assert cache.renderer(b"site B", second) is second  # sources.yaml, site.yaml, layouts or the date changed
    monkeypatch.setattr(cache_module, "MAX_PRESENTED", -1)
    assert cache.renderer(b"site B", third) is third  # past the bound: a new one


def test_site_files_unchanged_on_disk_are_not_parsed_again_and_a_linked_one_always_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = generate(tmp_path, 2, TODAY)
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10**18))  # as long settled: the reuse is what is tested
    loads: list[Path] = []
    real = cache_module.load_site_files
    monkeypatch.setattr(cache_module, "load_site_files", lambda root: loads.append(root) or real(root))
    out, cache = tmp_path / "site", BuildCache()
    for _ in range(2):
        pipeline.build(content, out, today=TODAY, cache=cache, drafts=True)
    assert len(loads) == 1
    sources = content / "sources.yaml"
    _edit(sources, "title: Source number 1 ", "title: Source number one ")
    _touch(sources, 1_000_000)
    _same_as_fresh(content, pipeline.DEFAULT_LAYOUTS, out, cache, tmp_path)
    assert len(loads) == 3 and b"Source number one " in (out / PAGE).read_bytes()  # the rebuild's and the fresh build's
    assert pipeline.build(content, out, today=datetime.date(2027, 6, 1), cache=cache, drafts=True) is not None
    assert len(loads) == 4  # another day: review dates and source dates are judged again
    site = content / "site.yaml"
    site.rename(content / ".site.yaml")  # hidden: the loader passes over it
    site.symlink_to(".site.yaml")  # a link inside the content: its target can change while the link looks the same
    for _ in range(2):
        assert not pipeline.build(content, out, today=TODAY, cache=cache, drafts=True).errors
    assert len(loads) == 6
