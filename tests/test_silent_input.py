"""Issue 15: input that was silently ignored (a deploy would drop every page, a clinic's rules vanished) is a located error."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from clinicsite.pipeline import DEFAULT_LAYOUTS
from tests.conftest import run_cli


def test_a_missing_treatments_folder_is_an_error_not_an_empty_site(project: Path) -> None:
    assert run_cli("build").code == 0
    shutil.rmtree(project / "content/treatments")
    result = run_cli("build")
    assert result.code == 1
    assert [line for line in result.lines if ": error: " in line] == [
        "content/treatments:1:1: error: 'treatments' is missing; it must be a folder holding one folder per treatment"
        " (`python build.py new SLUG` makes one) [content-missing-file]"
    ]
    assert (project / "site/treatments/sample-treatment/index.html").is_file()  # the published pages stay


def test_a_file_where_the_treatments_folder_belongs_is_an_error(project: Path) -> None:
    shutil.rmtree(project / "content/treatments")
    (project / "content/treatments").write_text("oops")
    result = run_cli("check")
    assert result.code == 1 and result.lines[-1].startswith("content/treatments:1:1: error: 'treatments' is not a folder;")


@pytest.mark.parametrize("make", ["dangling-link", "folder"])
def test_a_policy_file_that_is_not_a_file_is_reported_not_skipped(project: Path, make: str) -> None:
    policy = project / "content/policy.yaml"
    policy.symlink_to("gone.yaml") if make == "dangling-link" else policy.mkdir()
    result = run_cli("check")
    assert result.code == 1
    expected = "is a link to nothing" if make == "dangling-link" else "is a folder; it must be a file"
    assert result.lines == [f"content/policy.yaml:1:1: error: 'policy.yaml' {expected}" + result.lines[0].split(expected, 1)[1]]
    assert result.lines[0].endswith("[content-missing-file]")


def test_an_unreadable_file_is_a_located_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as root every file is readable, so the refusal a normal user meets is made here
    benefits = project / "content/treatments/sample-treatment/benefits.yaml"
    real_open = os.open

    def refusing_open(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if os.path.basename(path) == "benefits.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    result = run_cli("check")
    assert result.code == 1 and "internal error" not in result.err
    assert result.lines[0] == (
        f"{benefits.relative_to(project).as_posix()}:1:1: error: the file cannot be read (Permission denied);"
        " check its permissions or replace it with the file itself [content-unreadable]"
    )


def test_a_content_file_that_is_a_link_loop_is_a_located_error(project: Path) -> None:
    faqs = project / "content/treatments/sample-treatment/faqs.yaml"
    faqs.unlink()
    faqs.symlink_to("faqs.yaml")
    result = run_cli("check")
    assert result.code == 1 and "internal error" not in result.err
    assert any(line.startswith("content/treatments/sample-treatment/faqs.yaml:1:1: error: ") for line in result.lines), result.lines


def layouts_copy(project: Path) -> Path:
    shutil.copytree(DEFAULT_LAYOUTS, project / "layouts")
    return project / "layouts"


def test_assets_never_follow_a_link_out_of_the_layouts(project: Path) -> None:
    layouts = layouts_copy(project)
    (layouts / "assets/environ.txt").symlink_to("/proc/self/environ")
    (project / "secret.css").write_text("secret")
    (layouts / "assets/theme").symlink_to(project)
    result = run_cli("build", "--layouts", "layouts")
    assert result.code == 1
    assert result.lines == [
        "layouts/assets/environ.txt:1:1: error: this asset is a link outside the layouts folder; put the file itself here [layout-error]",
        "layouts/assets/theme:1:1: error: this asset is a link outside the layouts folder; put the file itself here [layout-error]",
    ]
    assert not (project / "site").exists()


def test_hidden_files_and_editor_backups_are_not_published_but_links_inside_are(project: Path) -> None:
    layouts = layouts_copy(project)
    for name in (".site.css.swp", "site.css~", "#site.css#", ".env"):
        (layouts / "assets" / name).write_text("editor leftovers")
    (layouts / "assets/print.css").symlink_to("site.css")
    assert run_cli("build", "--layouts", "layouts").code == 0
    published = {re.sub(r"\.[0-9a-f]{10}\.css$", ".css", p.name): p for p in (project / "site/assets").iterdir()}  # names carry a hash
    assert sorted(published) == ["print.css", "site.css"]
    assert published["print.css"].read_bytes() == (layouts / "assets/site.css").read_bytes()
