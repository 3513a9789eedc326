"""The fast path (clinicsite.plainyaml) reads a document exactly as PyYAML does, or leaves it to PyYAML.

For any text, plain_data either declines it or gives the very data that PyYAML's reading
(parse_yaml with fast=False) gives, with nothing to report; parse_yaml's fast document
then locates every value and key where PyYAML's does. A disagreement on any generated
document fails here. CI runs 300 examples of each (conftest.py); a longer run:
    .venv/bin/python -m pytest tests/test_plainyaml.py --hypothesis-profile=long --hypothesis-seed=0
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from clinicsite.documents import MAX_DEPTH, parse_yaml
from clinicsite.plainyaml import plain_data
from tests.conftest import FIXTURES

SHOWN = "treatments/x/faqs.yaml"
FILES = sorted(FIXTURES.rglob("*.yaml"))
#: Characters and words YAML gives a meaning to, or that readers tend to read differently.
TRICKY = [
    *": -#&*!|>'\"%@`,[]{}?\\~\n\t\r",
    *"aZ0 é\xa0\u200b\ufeff\x85\x00\x7f\U0001f600\ufdd0",
    *["null", "Null", "~", "true", "yes", "no", "1", "0x1f", "1e3", ".inf", "2008-01-02", "<<", "---", "..."],
]
TOKENS = [
    *TRICKY,
    *["key: ", "- ", "  ", "\n  ", "\n- ", ": ", "? ", "&a ", "*a", "!t ", "!!str ", "!!int ", "|\n  ", ">-\n  ", "|2\n", "#c\n"],
    *['"', "'", '"\\x00"', '"\\e"', '"\\/"', '"\\u00e9"', "[a, b]", "{a: b}", "{a, b}", "[a: b]", "''", '""', "\r\n", "\n\n", "--- ", "\n...\n"],
]
text = st.lists(st.sampled_from(TRICKY), max_size=8).map("".join) | st.text(max_size=12)
data = st.recursive(text | st.none(), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12)


def same(a: Any, b: Any) -> bool:
    """Return True when a and b are the same data, types included (1 == True == 1.0 would pass ==)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def check(source: str) -> bool:
    """Assert that the fast path declines source or reads it as PyYAML does; return whether it took it."""
    plain = plain_data(source, MAX_DEPTH)
    if plain is None:
        return False
    slow, problems = parse_yaml(source, SHOWN, fast=False)
    assert problems == [], f"the fast path took a document PyYAML reports: {source!r}"
    assert slow is not None
    assert same(plain[0], slow.data), f"{source!r}: fast {plain[0]!r} != PyYAML {slow.data!r}"
    fast, none = parse_yaml(source, SHOWN)
    assert fast is not None and none == []
    assert fast.positions == slow.positions and fast.key_positions == slow.key_positions
    return True


@given(data, st.sampled_from([None, False, True]), st.sampled_from([None, '"', "'", "|", ">"]), st.booleans(), st.sampled_from([8, 40, 2000]))
def test_data_written_by_pyyaml_in_any_style(value: Any, flow: bool | None, style: str | None, unicode: bool, width: int) -> None:
    check(yaml.safe_dump(value, default_flow_style=flow, default_style=style, allow_unicode=unicode, width=width, sort_keys=False))


@given(st.lists(st.sampled_from(TOKENS), max_size=30))
@example(["key: ", "&a ", "x\n", "other: ", "*a"])  # an alias: PyYAML refuses it, yaml-rs would expand it
@example(["key: ", "&a ", "!t ", "x"])  # a tag after an anchor: yaml-rs would drop it
@example(["a: 1\n", "---", "\n", "b: 2"])  # two documents: yaml-rs reads a list
def test_token_soup(tokens: list[str]) -> None:
    check("".join(tokens))


@given(st.sampled_from(FILES), st.data())
def test_edited_content_files(path: Any, draw: st.DataObject) -> None:
    source = path.read_text(encoding="utf-8", errors="replace")
    for _ in range(draw.draw(st.integers(1, 3))):
        at = draw.draw(st.integers(0, len(source)))
        cut = draw.draw(st.integers(0, 3))
        source = source[:at] + draw.draw(st.sampled_from(["", *TOKENS])) + source[at + cut :]
    check(source)


def test_the_valid_content_takes_the_fast_path() -> None:
    taken = {p.name for p in (FIXTURES / "valid" / "content").rglob("*.yaml") if check(p.read_text())}
    # site.yaml's numbers are written as str(int) writes them; not sources.yaml (it holds booleans), nor sign-offs.yaml (block scalars)
    assert taken == {"site.yaml", "treatment.yaml", "benefits.yaml", "faqs.yaml", "mechanism.yaml", "side-effects.yaml"}


@pytest.mark.parametrize(
    "source",
    [
        "a: &x 1\nb: *x\n",  # an alias
        "a: !foo x\n",  # a tag yaml-rs ignores
        "a: &x !foo x\n",
        "a: 1\n---\nb: 2\n",  # two documents
        "%YAML 1.2\n---\na: b\n",
        "year: 02008\n",  # YAML 1.2's int that str(int) writes otherwise: PyYAML's reading keeps the text
        "a: [1, +1]\n",
        "a:\n  - 1_000\n",
        "a: {b: 0x1f}\n",
        "a: -0\n",
        "a: 1.0\n",  # a float
        "a: true\n",
        "1: a\n",  # a key that is not text for yaml-rs
        "a: b\na: c\n",  # a duplicate key
        "a:\tb\n",  # a tab
        "a: b\r\nc: d\r\n",  # CRLF
        "a: '\x85'\n",  # NEL, a line break to libyaml
        'a: "\\x01"\n',  # an escape that makes a control character
        "a: [" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",  # deeper than the limit
        "k" * 600 + ": v\n",  # longer than libyaml's longest implicit key
    ],
)
def test_left_to_pyyaml(source: str) -> None:
    assert plain_data(source, MAX_DEPTH) is None
    fast, fast_problems = parse_yaml(source, SHOWN)
    slow, slow_problems = parse_yaml(source, SHOWN, fast=False)
    assert fast_problems == slow_problems and (fast and fast.data) == (slow and slow.data)


@pytest.mark.parametrize("source", ["year: 2008\n", "a: [1, -2, b]\n", "a:\n  - 0\n  - {b: 12}\n"])
def test_whole_numbers_written_as_str_writes_them_are_read_as_their_text(source: str) -> None:
    assert check(source)


def test_positions_of_a_fast_document_are_composed_when_first_asked_for() -> None:
    document, _ = parse_yaml("title: x\nfaqs:\n  - q: y\n", SHOWN)
    assert document is not None and isinstance(document.source, str)
    assert (document.locate(("faqs", 0, "q")).line, document.locate(("faqs", 0, "q")).column) == (3, 8)
    assert document.locate_key(("faqs",)).line == 2
