"""The promise, on the project's own content: no claim reaches a patient without a source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clinicsite import shape
from clinicsite.loader import load_content
from clinicsite.pipeline import check
from tests.conftest import PROJECT, TODAY, run_cli
from tests.helpers import rule_of, validated_site

CONTENT = PROJECT / "content"


def real_claims() -> list[tuple[str, tuple[str | int, ...]]]:
    site = validated_site(CONTENT, TODAY)
    return [(f"{t.slug}/{name}", path) for t in site.treatments for name, path, _ in shape.claims(t)]


def test_real_content_has_no_errors_or_warnings() -> None:
    outcome = check(CONTENT, today=TODAY)
    assert [d for d in outcome.diagnostics if d.severity != "note"] == []
    assert outcome.slugs


def test_every_real_claim_cites_a_known_source() -> None:
    assert not check(CONTENT, today=TODAY).errors
    site = validated_site(CONTENT, TODAY)
    claims = [claim for t in site.treatments for _, _, claim in shape.claims(t)]
    assert len(claims) >= 20
    for claim in claims:
        assert claim.cite
        assert all(c.source in site.sources for c in claim.cite)


def remove_key_block(text: str, line: int, column: int) -> str:
    """Return text without the key written at (line, column) and its more-indented value lines."""
    lines = text.splitlines(keepends=True)
    start = line - 1
    assert lines[start][: column - 1].strip(" -") == "", "cite must be a block-mapping key on its own line"
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) >= column):
        end += 1
    return "".join(lines[:start] + lines[end:])


@pytest.mark.parametrize(("where", "path"), real_claims(), ids=lambda v: v if isinstance(v, str) else "/".join(map(str, v)))
def test_removing_any_cite_fails_check_at_that_claim(where: str, path: tuple[str | int, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slug, name = where.split("/")
    shutil.copytree(CONTENT, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    tree, _ = load_content(Path("content"))
    doc = next(t for t in tree.treatments if t.slug == slug).documents[name]
    key = doc.key_positions[(*path, "cite")]
    claim_at = doc.positions[path]
    file = Path(doc.path)
    file.write_text(remove_key_block(file.read_text(), key.line, key.column))
    result = run_cli("check")
    assert result.code == 1
    assert f"{doc.path}:{claim_at.line}:{claim_at.column}: error: this claim has no source" in result.out
    # the one error; the treatment's other claims are still checked (issue 15), so their notes show too
    assert [rule_of(line) for line in result.lines if ": error: " in line] == ["cite-missing"]
