"""The editor's tools: JSON Schema from the model, `new <slug>`, the claims changelog, the PR workflow."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from clinicsite.schema import CONTENT_KINDS, editor_mapping, schemas
from tests.conftest import FIXTURES, PROJECT, Result, sign

# --- schema -----------------------------------------------------------------------------------


def test_committed_schemas_and_editor_mapping_are_current() -> None:
    """`python build.py schema` was run after the last model change (one source of truth)."""
    for name, text in schemas().items():
        assert (PROJECT / "schemas" / name).read_text() == text, f"schemas/{name} is stale: run python build.py schema"
    settings = json.loads((PROJECT / ".vscode/settings.json").read_text())
    assert settings["yaml.schemas"] == editor_mapping("./schemas")


def content_files(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for name, (glob, _) in CONTENT_KINDS.items():
        for path in sorted(root.glob(glob.removeprefix("content/"))):
            found.append((path, json.loads(schemas()[name])))
    return found


@pytest.mark.parametrize("root", [PROJECT / "content", FIXTURES / "valid" / "content"], ids=["project", "fixture"])
def test_schemas_accept_valid_content(root: Path) -> None:
    files = content_files(root)
    assert len(files) >= 7
    for path, schema in files:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_schema_rejects_a_claim_without_cite() -> None:
    schema = json.loads(schemas()["benefits.schema.json"])
    record = {"id": "a", "title": "A", "claims": [{"text": "Unsourced."}]}
    with pytest.raises(jsonschema.ValidationError, match="'cite' is a required property"):
        jsonschema.validate([record], schema)
    jsonschema.validate([record | {"claims": [{"text": "Sourced.", "cite": ["jones-2019"]}]}], schema)


def test_schema_command_writes_files_and_mapping(project: Path, cli: Callable[..., Result]) -> None:
    result = cli("schema", "--out", "schemas")
    assert result.code == 0
    assert (project / "schemas/faqs.schema.json").read_text() == schemas()["faqs.schema.json"]
    assert json.loads((project / ".vscode/settings.json").read_text())["yaml.schemas"] == editor_mapping("./schemas")


# --- new <slug> ---------------------------------------------------------------------------------


def test_new_treatment_is_reported_incomplete_not_published(project: Path, cli: Callable[..., Result]) -> None:
    assert cli("new", "chemical-peel").code == 0
    folder = project / "content/treatments/chemical-peel"
    assert sorted(p.name for p in folder.iterdir()) == ["benefits.yaml", "faqs.yaml", "mechanism.yaml", "side-effects.yaml", "treatment.yaml"]
    result = cli("build")
    assert result.code == 1
    assert result.lines and all(line.startswith("content/treatments/chemical-peel/") and line.endswith("[cite-missing]") for line in result.lines)
    assert not (project / "site").exists()


@pytest.mark.parametrize("slug", ["../x", "Bad Slug", "peel-"])
def test_new_refuses_a_bad_slug(project: Path, cli: Callable[..., Result], slug: str) -> None:
    result = cli("new", slug)
    assert result.code == 2 and "not a valid slug" in result.err
    assert sorted(p.name for p in (project / "content/treatments").iterdir()) == ["sample-treatment"]


def test_new_refuses_an_existing_treatment(project: Path, cli: Callable[..., Result]) -> None:
    result = cli("new", "sample-treatment")
    assert result.code == 2 and "already exists" in result.err


# --- diff <ref> ----------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=t@example.org", *args], check=True, capture_output=True)


def test_claims_changelog_between_two_commits(tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "valid" / "content", repo / "content")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    treatment = repo / "content/treatments/sample-treatment"
    benefits = treatment / "benefits.yaml"
    benefits.write_text(benefits.read_text().replace("A review agrees.", "A review mostly agrees.") + "    - text: A new claim.\n      cite: [jones-2019]\n")
    faqs = treatment / "faqs.yaml"
    faqs.write_text(faqs.read_text().replace("cite: [jones-2019]", "cite: [smith-2020]"))
    mechanism = treatment / "mechanism.yaml"
    mechanism.write_text(
        mechanism.read_text().replace(
            "    - text: The second step follows.\n      cite: [jones-2019]\n", "    - text: Something else entirely happens here.\n      cite: [jones-2019]\n"
        )
    )
    sources = repo / "content/sources.yaml"
    sources.write_text(sources.read_text().replace("journal: Review Letters", "journal: Review Letters Weekly"))
    sign(repo / "content", "sample-treatment", on=datetime.date(2026, 11, 1))
    git(repo, "commit", "-qam", "second")
    monkeypatch.chdir(repo)
    result = cli("diff", "HEAD~1")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith("# Claims changelog: `HEAD~1` → working tree")
    assert "## Claims added (2)" in out and "“A new claim.” — cites jones-2019" in out
    assert "“Something else entirely happens here.”" in out
    assert "## Claims removed (1)" in out and "“The second step follows.”" in out
    assert re.search(r"before: “A review agrees\.”.*\n  - after: “A review mostly agrees\.”", out)
    assert "## Citations changed (1)" in out and "was jones-2019, now smith-2020" in out
    assert "changed **jones-2019**: journal: 'Review Letters' → 'Review Letters Weekly'" in out
    assert "full sign-off by dr-test on 2026-01-31 → full sign-off by dr-test on 2026-11-01" in out
    assert cli("diff", "HEAD").out.endswith("No claims, sources or reviews changed.\n")
    # what a reviewer reads before signing: everything since the commit that recorded the last sign-off
    assert cli("diff", "--since-review", "sample-treatment").out.endswith("No claims, sources or reviews changed.\n")
    benefits.write_text(benefits.read_text().replace("A new claim.", "A newer claim."))
    assert "“A newer claim.”" in cli("diff", "--since-review", "sample-treatment").out
    assert cli("diff", "HEAD", "--since-review", "sample-treatment").code == 2
    bad = cli("diff", "no-such-ref")
    assert bad.code == 2 and "not a valid object name" in bad.err


# --- the pull-request workflow --------------------------------------------------------------------


def test_workflow_commands_are_documented() -> None:
    readme = (PROJECT / "README.md").read_text()
    workflow = yaml.safe_load((PROJECT / ".github/workflows/content.yml").read_text())
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    assert len(runs) >= 5
    for run in runs:
        command = re.sub(r'\s*(>>|").*$', "", run).split(" origin/")[0].strip()
        assert f"`{command}" in readme, f"README does not document `{command}`"
    uses = {step["uses"].split("@")[0] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step}
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= uses
    assert set(workflow[True]) == {"pull_request", "push"}  # the `on:` key; YAML 1.1 reads it as True


def committed_clinic(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "valid" / "content", repo / "content")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    return repo


def test_diff_ref_is_never_read_as_an_option(tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: `diff -- --output=FILE` truncated FILE."""
    repo = committed_clinic(tmp_path)
    (tmp_path / "precious.txt").write_text("keep me")
    monkeypatch.chdir(repo)
    result = cli("diff", "--", f"--output={tmp_path / 'precious.txt'}")
    assert result.code == 2 and "is not a valid object name" in result.err
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_diff_ref_named_like_the_content_folder_is_a_revision(tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    repo = committed_clinic(tmp_path)
    git(repo, "tag", "content")
    monkeypatch.chdir(repo)
    result = cli("diff", "content")
    assert result.code == 0, result.err
    assert result.out.endswith("No claims, sources or reviews changed.\n")


def test_diff_of_old_content_with_an_absolute_link_is_a_clear_error(tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    repo = committed_clinic(tmp_path)
    (repo / "content/notes.yaml").symlink_to("/etc/hostname")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "a link")
    monkeypatch.chdir(repo)
    result = cli("diff", "HEAD")
    assert result.code == 2 and "cannot be unpacked safely" in result.err and "internal error" not in result.err


def test_diff_shows_markup_in_content_as_text_so_nothing_is_hidden(tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    repo = committed_clinic(tmp_path)
    sources = repo / "content/sources.yaml"
    sources.write_text(sources.read_text().replace("journal: Review Letters", "journal: Review Letters <!--"))
    sign(repo / "content", "sample-treatment", on=datetime.date(2026, 11, 1))
    monkeypatch.chdir(repo)
    out = cli("diff", "HEAD").out
    assert "<!--" not in out and "Review Letters &lt;!--" in out
    assert out.index("## Reviews (1)") > out.index("&lt;!--")  # the review change is still shown after it


def test_schema_merges_into_the_users_yaml_schemas_and_keeps_other_settings(project: Path, cli: Callable[..., Result]) -> None:
    """Issue 15: `schema` replaced the user's whole yaml.schemas map and failed on VS Code's trailing commas."""
    settings = project / ".vscode/settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  "editor.tabSize": 2,\n  "yaml.schemas": {"https://json.schemastore.org/github-workflow.json": ".github/workflows/*",},\n}\n')
    result = cli("schema")
    assert result.code == 0, result.err
    written = json.loads(settings.read_text())
    assert written["editor.tabSize"] == 2
    assert written["yaml.schemas"]["https://json.schemastore.org/github-workflow.json"] == ".github/workflows/*"
    assert written["yaml.schemas"]["./schemas/faqs.schema.json"] == "content/treatments/*/faqs.yaml"


def test_schema_never_drops_the_comments_of_a_settings_file(project: Path, cli: Callable[..., Result]) -> None:
    settings = project / ".vscode/settings.json"
    settings.parent.mkdir()
    before = '{\n  // my font\n  "editor.fontSize": 14, /* big */\n  "url": "https://example.org/a//b",\n}\n'
    settings.write_text(before)
    result = cli("schema")
    assert result.code == 2 and "has comments, which rewriting it would lose" in result.err
    assert '"./schemas/site.schema.json": "content/site.yaml"' in result.err
    assert settings.read_text() == before


def test_schema_says_plainly_why_a_broken_settings_file_cannot_be_read(project: Path, cli: Callable[..., Result]) -> None:
    settings = project / ".vscode/settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  "a": 1\n  "b": 2\n}\n')
    result = cli("schema")
    assert result.code == 2 and "internal error" not in result.err
    assert "cannot read .vscode/settings.json (line 3, column 3: Expecting ',' delimiter)" in result.err
