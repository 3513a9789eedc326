"""Loading: positions are absolute and 1-based, scalars stay text, YAML traps are refused."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from clinicsite.diagnostics import Location
from clinicsite.documents import MAX_DEPTH
from clinicsite.loader import MAX_FILE_BYTES, load_content, parse_yaml, read_file
from tests.conftest import run_cli, sign
from tests.helpers import rules_in

TEXT = """\
title: No
also_known_as: [1.10, yes, 2026-01-02]
summary:
  claims:
    - text: "Quoted: one"
      cite: [a-b]
empty:
"""


def test_positions_are_one_based_and_absolute() -> None:
    doc, problems = parse_yaml(TEXT, "t.yaml")
    assert not problems and doc is not None
    assert doc.positions[("title",)] == Location("t.yaml", 1, 8)
    assert doc.key_positions[("summary",)] == Location("t.yaml", 3, 1)
    assert doc.positions[("summary", "claims", 0)] == Location("t.yaml", 5, 7)
    assert doc.positions[("summary", "claims", 0, "cite", 0)] == Location("t.yaml", 6, 14)
    assert doc.locate(("summary", "claims", 0, "missing", 3)) == Location("t.yaml", 5, 7)


def test_positions_follow_the_value_the_data_holds() -> None:
    """Positions are looked up on demand: a duplicate key's first value, a list item, the nearest written ancestor."""
    doc, problems = parse_yaml("a: 1\na: 2\nb:\n  - x\n  - {c: 3}\nd:\n", "t.yaml")
    assert [p.rule for p in problems] == ["yaml-duplicate-key"] and doc is not None
    assert doc.data == {"a": "1", "b": ["x", {"c": "3"}], "d": None}
    assert (doc.locate(("a",)), doc.locate_key(("a",))) == (Location("t.yaml", 1, 4), Location("t.yaml", 1, 1))
    assert doc.locate(("b", 1, "c")) == Location("t.yaml", 5, 9)
    assert doc.locate_key(("b", 1)) == doc.locate(("b", 1)) == Location("t.yaml", 5, 5)  # a list item has no key
    assert doc.locate(("b", 7)) == doc.locate(("b", "c")) == Location("t.yaml", 4, 3)
    assert doc.locate_key(("b", 1, "missing")) == Location("t.yaml", 5, 5)
    assert set(doc.positions) == {(), ("a",), ("b",), ("b", 0), ("b", 1), ("b", 1, "c"), ("d",)}
    _, problems = parse_yaml("a: &x !foo {b: 1}\nc: *x\n", "t.yaml")
    assert [p.rule for p in problems] == ["yaml-tag", "yaml-alias"]
    empty, _ = parse_yaml("", "e.yaml")
    assert empty is not None and empty.locate(("title",)) == Location("e.yaml")


def test_yaml_1_1_scalars_stay_text() -> None:
    doc, _ = parse_yaml(TEXT, "t.yaml")
    assert doc is not None
    assert doc.data["title"] == "No"
    assert doc.data["also_known_as"] == ["1.10", "yes", "2026-01-02"]
    assert doc.data["empty"] is None


def test_title_no_survives_the_whole_pipeline(project: Path) -> None:
    path = project / "content/treatments/sample-treatment/treatment.yaml"
    path.write_text(path.read_text().replace("title: Sample treatment", "title: No"))
    sign(project / "content")
    assert run_cli("build").code == 0
    assert "<h1>No</h1>" in (project / "site/treatments/sample-treatment/index.html").read_text()


def test_duplicate_key_is_reported_at_the_second_key() -> None:
    _, problems = parse_yaml("a: 1\nb: 2\na: 3\n", "d.yaml")
    assert [(p.rule, p.location.line, p.location.column) for p in problems] == [("yaml-duplicate-key", 3, 1)]


def test_byte_order_mark_is_accepted(project: Path) -> None:
    path = project / "content/site.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run_cli("check").code == 0


def test_empty_file_is_a_located_error(project: Path) -> None:
    (project / "content/treatments/sample-treatment/faqs.yaml").write_text("")
    result = run_cli("check")
    assert result.code == 1
    assert result.lines == ["content/treatments/sample-treatment/faqs.yaml:1:1: error: the file should be a list, found nothing [field-type]"]


def test_python_tags_are_never_executed(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    (project / "content/site.yaml").write_text(f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = run_cli("check")
    assert result.code == 1 and rules_in(result.out) == ["yaml-tag"]
    assert not marker.exists()


def test_alias_bomb_is_refused_fast() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.perf_counter()
    _, problems = parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert time.perf_counter() - started < 2  # a real expansion would hold 9**10 strings
    assert problems and {p.rule for p in problems} == {"yaml-alias"}


def test_file_over_the_size_limit_is_refused(project: Path) -> None:
    path = project / "content/treatments/sample-treatment/faqs.yaml"
    path.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    result = run_cli("check")
    assert result.code == 1
    assert "faqs.yaml:1:1: error:" in result.out and "yaml-too-large" in rules_in(result.out)


def test_link_pointing_outside_content_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    faqs = project / "content/treatments/sample-treatment/faqs.yaml"
    outside.write_text(faqs.read_text())
    faqs.unlink()
    faqs.symlink_to(outside)
    result = run_cli("check")
    assert result.code == 1 and "faqs.yaml:1:1: error:" in result.out and "content-outside" in rules_in(result.out)


def test_editor_leftovers_are_ignored(project: Path) -> None:
    folder = project / "content/treatments/sample-treatment"
    (folder / ".faqs.yaml.swp").write_text("junk")
    (folder / "faqs.yaml~").write_text("junk")
    tree, problems = load_content(project / "content")
    assert problems == []
    assert tree.treatments[0].complete


def test_forbidden_control_character_is_located() -> None:
    _, problems = parse_yaml("title: ok\nname: caf\u00e9 \x1f\n", "c.yaml")
    assert [(p.rule, p.location.line, p.location.column) for p in problems] == [("yaml-syntax", 2, 12)]
    assert problems[0].message == "the character U+001F is not allowed in YAML; delete it"


def _flow_lists(n: int) -> str:
    return "key: " + "[" * n + "]" * n + "\n"


def _flow_maps(n: int) -> str:
    return "{a: " * n + "1" + "}" * n + "\n"


def _block_maps(n: int) -> str:
    return "".join("  " * i + "k:\n" for i in range(n)) + "  " * n + "v\n"


@pytest.mark.parametrize(
    ("shape", "levels", "where"),
    [
        (_flow_lists, 45, (1, 6 + MAX_DEPTH)),  # the first [ inside 41 collections
        (_flow_lists, 999, (1, 6 + MAX_DEPTH)),
        (_flow_lists, 1001, (1, 6 + MAX_DEPTH)),
        (_flow_lists, 5000, (1, 6 + MAX_DEPTH)),
        (_flow_maps, 45, (1, 4 * (MAX_DEPTH + 1) + 1)),  # a mapping's value, never its key
        (_flow_maps, 1500, (1, 4 * (MAX_DEPTH + 1) + 1)),
        (_block_maps, 45, (MAX_DEPTH + 2, 2 * (MAX_DEPTH + 1) + 1)),
    ],
)
def test_deep_nesting_is_reported_at_the_first_value_past_the_limit(shape: Callable[[int], str], levels: int, where: tuple[int, int]) -> None:
    # below libyaml's own limit of 1,000 (0.2.6, in PyYAML >= 6.0.4), past it, and past
    # Python's recursion limit: always our rule, at the same place
    _, problems = parse_yaml(shape(levels), "deep.yaml")
    assert [(p.rule, p.location) for p in problems] == [("yaml-too-deep", Location("deep.yaml", *where))]


def test_a_pipe_in_a_file_s_place_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    # another process may swap a content file for a pipe after the folder was listed: opening it must not hang
    pipe = tmp_path / "benefits.yaml"
    os.mkfifo(pipe)
    data, problems = read_file(pipe, tmp_path, real_folder=True, link=False)
    assert data is None and [p.rule for p in problems] == ["content-unreadable"]
    assert "it is not a regular file" in problems[0].message
