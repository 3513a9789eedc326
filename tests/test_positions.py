"""Issue 15: positions are right whatever the line endings, and nothing printed can drive a terminal."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from clinicsite.documents import decode, parse_yaml
from clinicsite.loader import load_file
from tests.conftest import run_cli


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_unicode_line_separator_is_refused_at_its_line_not_counted_as_one(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(f"name: A\nnote: one{separator}two\nthird: x\n", encoding="utf-8")
    document, problems = load_file(path, tmp_path)
    assert document is None
    assert [(p.rule, p.location.line, p.location.column) for p in problems] == [("yaml-syntax", 2, 10)]
    assert f"U+{ord(separator):04X}" in problems[0].message


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_an_encoding_error_is_located_with_any_line_ending(ending: str) -> None:
    raw = ending.join(["a: 1", "b: 2", "c: 3", "name: caf\xe9 au lait"]).encode("latin-1")
    _, problems = decode(raw, "x.yaml")
    assert [(p.location.line, p.location.column) for p in problems] == [(4, 10)]
    assert "byte 0xe9" in problems[0].message


def test_after_a_byte_order_mark_the_column_and_the_byte_are_right() -> None:
    _, problems = decode(codecs.BOM_UTF8 + b"name: caf\xe9\n", "x.yaml")
    assert [(p.location.line, p.location.column) for p in problems] == [(1, 10)]
    assert "byte 0xe9" in problems[0].message


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_yaml_positions_follow_crlf_and_cr_only_files(ending: str) -> None:
    document, problems = parse_yaml(ending.join(["a: 1", "b: 2", "title: x"]) + ending, "x.yaml")
    assert problems == [] and document is not None
    assert (document.locate(("title",)).line, document.locate(("title",)).column) == (3, 8)


@pytest.mark.parametrize(("escape", "name"), [("\\0", "U+0000 NULL"), ("\\e", "U+001B ESCAPE"), ("\\uFFFE", "U+FFFE"), ("\\x85", "U+0085")])
def test_a_control_character_from_an_escape_is_refused_at_its_value(project: Path, escape: str, name: str) -> None:
    site = project / "content/site.yaml"
    site.write_text(site.read_text().replace("base_url: https://clinic.example.org/", f'base_url: "https://clinic.example.org/{escape}"'))
    result = run_cli("build")
    assert result.code == 1 and not (project / "site").exists()
    assert len(result.lines) == 1 and result.lines[0].endswith("[value-control]") and name in result.lines[0]
    assert result.lines[0].startswith("content/site.yaml:2:11: error: the value holds ")


def test_an_escape_sequence_in_a_key_is_printed_as_an_escape_not_sent_to_the_terminal(project: Path) -> None:
    site = project / "content/site.yaml"
    site.write_text(site.read_text() + '"\\e[1A\\e[2K\\rwarning": x\n')
    for fmt in ("text", "github"):
        result = run_cli("check", "--format", fmt)
        assert result.code == 1 and "\x1b" not in result.out and "\r" not in result.out
        assert "\\x1b[1A\\x1b[2K warning" in result.out  # (the carriage return is folded into a space)


def test_every_forbidden_character_is_one_isprintable_refuses() -> None:
    """The loader asks str.isprintable first (C-fast) and searches FORBIDDEN only when it says no."""
    from clinicsite.characters import FORBIDDEN

    forbidden = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and FORBIDDEN.match(chr(c))]
    assert len(forbidden) > 100 and not any(c.isprintable() for c in forbidden)


def test_holds_forbidden_finds_what_forbidden_finds() -> None:
    """holds_forbidden answers FORBIDDEN.search faster, by an ASCII path and a BMP class: every code point, in each kind of text."""
    from clinicsite.characters import FORBIDDEN, holds_forbidden

    for c in (chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF):
        assert holds_forbidden(c) == bool(FORBIDDEN.search(c)), hex(ord(c))
        if c.isascii():  # in ASCII text, and in text whose other characters are beyond ASCII or beyond U+FFFF
            for text in (f"ab\n{c}\tcd", f"\u00e9{c}", f"{c}\U0001f600"):
                assert holds_forbidden(text) == bool(FORBIDDEN.search(text)), repr(text)
    assert holds_forbidden("a block\nof two lines\n") is False and holds_forbidden("\U0001fffe") is True
