"""Numbering: by first appearance in reading order, reused for repeats, linked both ways."""

from __future__ import annotations

from pathlib import Path

from clinicsite.citations import number_citations
from clinicsite.loader import load_content
from clinicsite.validate import validate_content


def cited(project: Path):  # type: ignore[no-untyped-def]
    tree, _ = load_content(project / "content")
    site, problems = validate_content(tree)
    assert site is not None, problems
    return number_citations(site).treatments[0]


def test_numbers_follow_first_appearance_and_repeat(project: Path) -> None:
    page = cited(project)
    assert [r.source.id for r in page.references] == ["jones-2019", "smith-2020", "agency-page"]
    assert [m.number for m in page.summary[0].marks] == [1]
    assert [m.number for m in page.benefits[0].claims[1].marks] == [1, 2]
    assert [m.number for m in page.faqs[0].claims[0].marks] == [1]


def test_backlinks_list_every_citing_claim_once(project: Path) -> None:
    page = cited(project)
    by_id = {r.source.id: r for r in page.references}
    assert by_id["smith-2020"].backlinks == (
        "claim-summary-2",
        "claim-benefits-first-benefit-1",
        "claim-benefits-first-benefit-2",
        "claim-side-effects-redness-1",
        "claim-side-effects-redness-duration",
    )
    assert by_id["agency-page"].backlinks == (
        "claim-mechanism-step-one-1",
        "claim-side-effects-redness-duration",
        "claim-side-effects-redness-help-1",
    )


def test_locators_are_collected_per_source(project: Path) -> None:
    page = cited(project)
    by_id = {r.source.id: r for r in page.references}
    assert by_id["smith-2020"].locators == ("p. 101", "p. 105")
    assert page.summary[1].marks[0].locator == "p. 101"
