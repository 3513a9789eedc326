"""The sign-off check's fast paths give what the slow ones give.

sign-offs.yaml in the fixed form `review` writes is read without PyYAML
(clinicsite.shape.sign_offs_document): for any text, the reader either declines it (PyYAML
reads it, and reports what is wrong) or gives the very data PyYAML's reading gives, with
nothing to report, and a document that locates every value and key where PyYAML's does.
Edited records are generated from the fixture's record, one with a signature and the real
content's. The fingerprint's whitespace rule skips splitting text that has nothing to fold.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from clinicsite.documents import parse_yaml
from clinicsite.fingerprint import HEADER, SignOff, _spaced, entry_yaml
from clinicsite.shape import sign_offs_document
from tests.conftest import FIXTURES, PROJECT
from tests.test_plainyaml import TOKENS, same

SHOWN = "treatments/x/sign-offs.yaml"
RECORDS = sorted([*FIXTURES.rglob("sign-offs.yaml"), *(PROJECT / "content").rglob("sign-offs.yaml")])
_SIGNED = SignOff(
    by="dr-test",
    date=datetime.date(2026, 1, 31),
    scope="partial",
    fingerprint="sha256:" + "0" * 64,
    signed=["77162b22258fa68c title", "0d6e83a2748a79f1 summary / claim 1"],
    sources={},
    signature="-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n",
)
VALID = (FIXTURES / "valid/content/treatments/sample-treatment/sign-offs.yaml").read_text(encoding="utf-8")
TEXTS = [*(p.read_text(encoding="utf-8") for p in RECORDS), HEADER + entry_yaml(_SIGNED)]
#: What hand edits and merges put into a record, besides YAML's own tokens.
EDITS = [*TOKENS, "null", "Null", "~", "    ", "  ", "\n    x\n", "#", "- by: dr-test\n", 'date: "', "\\", "é", "\t", ": ", "sources: |\n", '""']


def read_alike(source: str) -> bool:
    """Assert that the reader declines source or reads it as PyYAML does, positions not yet composed; return whether it took it."""
    fast = sign_offs_document(source, SHOWN)
    if fast is not None:
        slow, problems = parse_yaml(source, SHOWN, fast=False)
        assert slow is not None and problems == [] and same(fast.data, slow.data), f"{source!r}: read {fast.data!r}, PyYAML {slow and slow.data!r} {problems}"
        assert isinstance(fast.source, str) and (fast.positions, fast.key_positions) == (slow.positions, slow.key_positions)
    return fast is not None


@pytest.mark.parametrize("text", TEXTS, ids=[*(str(p.relative_to(PROJECT).parent) for p in RECORDS), "signed"])
def test_every_record_review_writes_takes_the_fast_read(text: str) -> None:
    assert read_alike(text)
    assert read_alike(text + text.split("\n", 1)[1])  # two sign-offs (a duplicated one is the schema's to report)


@given(st.sampled_from(TEXTS), st.data())
@example(TEXTS[-1], None)
def test_edited_records(text: str, draw: st.DataObject | None) -> None:
    source = text
    for _ in range(draw.draw(st.integers(1, 3)) if draw else 0):
        at = draw.draw(st.integers(0, len(source))) if draw else 0
        cut = draw.draw(st.integers(0, 3)) if draw else 0
        source = source[:at] + (draw.draw(st.sampled_from(["", *EDITS])) if draw else "") + source[at + cut :]
    read_alike(source)


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("by: dr-test", "by: null"),  # a null, which the schema reports
        lambda t: t.replace("scope: full", "scope: full  # reviewed"),  # a comment after a value
        lambda t: t.replace("  signed: |", "  signed: |-"),  # another chomping
        lambda t: t.replace("\n    ", "\n     ", 1),  # a block indented otherwise
        lambda t: t.replace("\n  sources:", "\n\n  sources:"),  # a blank line
        lambda t: t.replace("\n", "\r\n"),  # CRLF
        lambda t: t.replace("  scope: full\n", "") + "  scope: full\n",  # keys in another order
        lambda t: t[: len(t) // 2],  # truncated mid-block
        lambda t: t.rstrip("\n"),  # no final line break
    ],
)
def test_other_forms_are_left_to_pyyaml(edit: object) -> None:
    text = edit(VALID)  # type: ignore[operator]
    assert text != VALID and sign_offs_document(text, SHOWN) is None


@given(st.lists(st.sampled_from([" ", "  ", "\t", "\n", "\xa0", "\u2028", "\u3000", "\x1c", "\u200b", "a", "é", "."]), max_size=8).map("".join) | st.text())
def test_whitespace_is_folded_as_splitting_and_joining_folds_it(text: str) -> None:
    assert _spaced(text) == " ".join(text.split())
