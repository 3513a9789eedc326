"""Issue 15: one shape error no longer hides the other problems of its file and its treatment."""

from __future__ import annotations

import difflib
import random
import string
from pathlib import Path

from clinicsite import nearest
from tests.conftest import run_cli
from tests.helpers import rule_ids, rule_of

TREATMENT = "content/treatments/sample-treatment"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_shape_error_does_not_hide_other_files_problems(project: Path) -> None:
    folder = project / TREATMENT
    edit(folder / "faqs.yaml", "    - text: It can be uncomfortable.", "    - txt: It can be uncomfortable.")  # the shape error
    edit(folder / "treatment.yaml", "      cite: [jones-2019]\n", "")  # a claim without a source
    edit(folder / "benefits.yaml", "cite: [jones-2019, smith-2020]", "cite: [jones-2019, smiht-2020]")  # an unknown source
    edit(folder / "mechanism.yaml", "title: Step one", "title: A painless step")  # a policy word in a heading
    result = run_cli("check")
    assert result.code == 1
    assert [line.split(": error: ")[0] + f" [{rule_of(line)}]" for line in result.lines if ": error: " in line] == [
        f"{TREATMENT}/benefits.yaml:7:26 [source-unknown]",
        f"{TREATMENT}/faqs.yaml:4:7 [field-required]",
        f"{TREATMENT}/faqs.yaml:4:7 [field-unknown]",
        f"{TREATMENT}/mechanism.yaml:2:10 [painless]",
        f"{TREATMENT}/treatment.yaml:6:7 [cite-missing]",
    ]
    assert "did you mean 'smith-2020'?" in result.out


def test_the_valid_parts_of_the_broken_file_itself_are_still_checked(project: Path) -> None:
    faqs = project / TREATMENT / "faqs.yaml"
    faqs.write_text(
        faqs.read_text()
        + "- id: second\n  question: Is it guaranteed?\n  claims:\n    - text: It is risk-free.\n      cite: [nobody-2000]\n    - txt: broken\n"
    )
    lines = run_cli("check").lines
    rules = [(line.split(":")[1], f"[{rule_of(line)}]") for line in lines if ": error: " in line]
    assert rules[:3] == [("7", "[guarantee]"), ("9", "[no-risk]"), ("10", "[source-unknown]")]
    assert rules[3:] == [("11", "[cite-missing]"), ("11", "[field-required]"), ("11", "[field-unknown]")]  # the broken claim itself


def test_duplicate_ids_and_an_unknown_reviewer_are_found_beside_a_broken_file(project: Path) -> None:
    folder = project / TREATMENT
    edit(folder / "faqs.yaml", "question:", "questoin:")
    edit(folder / "sign-offs.yaml", "by: dr-test", "by: dr-tset")
    side_effects = folder / "side-effects.yaml"
    side_effects.write_text(side_effects.read_text() + side_effects.read_text())
    rules = rule_ids(line for line in run_cli("check").lines if ": error: " in line)
    assert {"reviewer-unknown", "id-duplicate", "field-unknown"} <= rules


def test_nearest_finds_what_difflib_finds_for_typos_of_a_long_list() -> None:
    rng = random.Random(15)
    authors = ["smith", "jones", "alam", "aust", "li", "chen"]
    names = sorted({f"{rng.choice(authors)}{rng.choice(string.ascii_lowercase)}-{rng.randint(1950, 2026)}" for _ in range(3000)})
    for name in rng.sample(names, 60):
        k = rng.randrange(len(name))
        typo = name[:k] + rng.choice(string.ascii_lowercase) + name[k + 1 :]
        expected = difflib.get_close_matches(typo, names, n=1, cutoff=0.6)
        found = nearest.nearest(typo, names)
        assert (found is None) == (not expected), typo
        if found is not None:  # as near as difflib's best (of names equally near, either may be named)
            assert difflib.SequenceMatcher(None, typo, found).ratio() == difflib.SequenceMatcher(None, typo, expected[0]).ratio(), typo


def test_a_long_list_is_compared_with_a_bounded_shortlist_only() -> None:
    """1,000 unknown citations against 20,000 sources took 30 s: difflib compared each with every id."""
    names = tuple(f"author{k}-{1900 + k % 120}" for k in range(20_000))
    shortlist = nearest._index(names).shortlist(names[1234] + "x")
    assert len(shortlist) <= nearest.SHORTLIST and names[1234] in shortlist
    assert nearest.nearest(names[1234] + "x", names) == names[1234]
