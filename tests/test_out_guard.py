"""Issue 15: `--out` never deletes what a build did not make (its own folders, a user's files, the system)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinicsite.pipeline import DEFAULT_LAYOUTS
from clinicsite.target import MARKER, OutputError, refuse_unsafe
from tests.conftest import PROJECT, run_cli, sign
from tests.test_output import snapshot


@pytest.mark.parametrize("out", ["content/treatments", "content/treatments/sample-treatment", "content/new"])
def test_out_inside_the_content_is_refused_and_the_content_kept(project: Path, out: str) -> None:
    before = snapshot(project / "content")
    result = run_cli("build", "--out", out)
    assert result.code == 2
    assert f"refusing to replace '{out}': it is inside 'content'" in result.err
    assert snapshot(project / "content") == before


def test_out_inside_the_layouts_is_refused_and_the_partials_kept(project: Path) -> None:
    shutil.copytree(DEFAULT_LAYOUTS, project / "layouts")
    before = snapshot(project / "layouts")
    result = run_cli("build", "--layouts", "layouts", "--out", "layouts/partials")
    assert result.code == 2 and "it is inside 'layouts'" in result.err
    assert snapshot(project / "layouts") == before


@pytest.mark.parametrize("name", ["clinicsite", ".venv", "docs", "tests", "layouts", "content"])
def test_the_projects_own_folders_are_refused(name: str) -> None:
    # the guard alone: a build here would delete the project if it failed to refuse
    for out in (PROJECT / name, PROJECT / name / "sub", PROJECT):
        with pytest.raises(OutputError, match="refusing to replace"):
            refuse_unsafe(out, ())
    refuse_unsafe(PROJECT / "site-of-a-test-that-is-never-made", ())  # a new folder beside them is fine


@pytest.mark.parametrize("out", ["/", "/etc", "/usr", "/usr/share/doc", "/tmp", "/var", "/home", "/proc/self"])
def test_system_folders_are_refused(out: str) -> None:
    with pytest.raises(OutputError, match=r"system folder|contains|inside"):
        refuse_unsafe(Path(out), ())


def test_the_home_folder_and_what_holds_it_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home/editor"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for out in (home, home.parent):
        with pytest.raises(OutputError, match="holds your home folder"):
            refuse_unsafe(out, ())
    refuse_unsafe(home / "site", ())  # a new folder in it is fine


def test_a_users_folder_of_files_is_never_replaced(project: Path) -> None:
    (project / "notes").mkdir()
    (project / "notes/letter.txt").write_text("Dear patient")
    result = run_cli("build", "--out", "notes")
    assert result.code == 2
    assert "refusing to replace 'notes': it is a folder of files this tool did not build" in result.err
    assert snapshot(project / "notes") == {"letter.txt": b"Dear patient"}


def test_a_site_from_an_older_build_without_the_marker_says_how_to_proceed(project: Path) -> None:
    assert run_cli("build").code == 0
    (project / "site" / MARKER).unlink()  # what builds before the marker left
    before = snapshot(project / "site")
    result = run_cli("build")
    assert result.code == 2
    assert f"it has no {MARKER} file" in result.err and "delete it (rm -r 'site') and build again" in result.err
    assert snapshot(project / "site") == before
    shutil.rmtree(project / "site")
    assert run_cli("build").code == 0


def test_a_marker_that_is_a_link_does_not_make_a_folder_a_build(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/a.txt").write_text("a")
    (tmp_path / "docs" / MARKER).symlink_to(tmp_path / "docs/a.txt")
    with pytest.raises(OutputError, match="did not build"):
        refuse_unsafe(tmp_path / "docs", ())


def test_every_build_is_marked_and_replaces_its_own_earlier_build(project: Path) -> None:
    (project / "site").mkdir()  # an empty folder is fine too
    assert run_cli("build").code == 0
    assert (project / "site" / MARKER).read_text().startswith("This folder is built by clinicsite")
    assert run_cli("build").code == 0


def test_a_linked_out_is_followed_and_its_target_updated_in_place(project: Path) -> None:
    (project / "published").mkdir()
    (project / "site").symlink_to("published")
    assert run_cli("build").code == 0
    page = project / "content/treatments/sample-treatment/treatment.yaml"
    page.write_text(page.read_text().replace("title: ", "title: Renamed ", 1))
    sign(project / "content")
    assert run_cli("build").code == 0
    assert (project / "site").is_symlink() and (project / "published/index.html").is_file()
    assert "Renamed" in (project / "published/index.html").read_text()
    assert sorted(p.name for p in project.iterdir()) == ["content", "published", "site"]  # no stage left


def test_a_dangling_link_gets_its_target_made(project: Path) -> None:
    (project / "site").symlink_to("public/www")
    assert run_cli("build").code == 0
    assert (project / "site").is_symlink() and (project / "public/www/index.html").is_file()


def test_a_link_loop_is_a_clear_usage_error(project: Path) -> None:
    (project / "site").symlink_to("loop")
    (project / "loop").symlink_to("site")
    result = run_cli("build")
    assert result.code == 2
    assert "is a link that leads back to itself" in result.err and "internal error" not in result.err
