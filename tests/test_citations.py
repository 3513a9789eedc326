"""Numbering: by first appearance in reading order, reused for repeats, linked both ways."""

from __future__ import annotations

from pathlib import Path

from clinicsite.citations import number_citations, runs
from tests.conftest import TODAY
from tests.helpers import validated_site


def cited(project: Path):  # type: ignore[no-untyped-def]
    return number_citations(validated_site(project / "content", TODAY)).treatments[0]


def test_numbers_follow_first_appearance_and_repeat(project: Path) -> None:
    page = cited(project)
    assert [r.source.id for r in page.references] == ["jones-2019", "smith-2020", "agency-page"]
    assert [m.number for m in page.summary[0].marks] == [1]
    assert [m.number for m in page.records["benefits"][0].claims[1].marks] == [1, 2]
    assert [m.number for m in page.records["faqs"][0].claims[0].marks] == [1]


def test_backlinks_list_every_citing_claim_once(project: Path) -> None:
    page = cited(project)
    by_id = {r.source.id: r for r in page.references}
    # Claims are anchored c1, c2, ... in reading order: summary (c1, c2), benefits (c3, c4),
    # mechanism (c5, c6), the side effect's claim, duration and help (c7, c8, c9), the FAQ (c10).
    assert [b.anchor for b in by_id["smith-2020"].cited_in] == ["c2", "c3", "c4", "c7", "c8"]
    assert [b.anchor for b in by_id["agency-page"].cited_in] == ["c5", "c8", "c9"]
    assert by_id["agency-page"].cited_in == ((1, "c5"), (2, "c8"), (3, "c9"))  # numbered as the links read, "Cited in: 1 2 3"


def test_locators_are_collected_per_source(project: Path) -> None:
    page = cited(project)
    by_id = {r.source.id: r for r in page.references}
    assert by_id["smith-2020"].locators == ("p. 101", "p. 105")
    assert page.summary[1].marks[0].locator == "p. 101"


def test_marks_read_ascending_with_runs_of_three_or_more_joined() -> None:
    """Regression for issue 20: a claim's marks read "4,3,5,2"; Vancouver writes "2-5" (en dash)."""
    assert [(r.first, r.last) for r in runs([4, 3, 5, 2])] == [(2, 5)]
    assert [(r.first, r.last) for r in runs([28, 18])] == [(18, 18), (28, 28)]
    assert [(r.first, r.last) for r in runs([17, 4, 5])] == [(4, 4), (5, 5), (17, 17)]  # two in a row stay "4,5"
    assert [(r.first, r.last) for r in runs([9, 1, 2, 3, 3, 7, 8, 11])] == [(1, 3), (7, 9), (11, 11)]
    assert [r.lead for r in runs([6, 2, 7])] == [True, False, False]  # the layout writes a comma before all but the first
    assert runs([]) == ()
