"""Evidence integrity beyond the rule fixtures: review dates at their boundaries, source metadata."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, sign
from tests.helpers import rule_of

# The valid clinic's page was signed off (sign-offs.yaml) on 2026-01-31 with a 12-month interval: due 2027-01-31.


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-01-31", []),  # reviewed today
        ("2026-12-31", []),  # 31 days before due
        ("2027-01-01", ["warning [review-due]"]),  # 30 days before due
        ("2027-01-31", ["warning [review-due]"]),  # due today
        ("2027-02-01", ["error [review-overdue]"]),  # a day late
        ("2026-01-30", ["error [review-future]"]),  # the review is dated tomorrow
    ],
)
def test_review_freshness_boundaries(project: Path, cli: Callable[..., Result], today: str, expected: list[str]) -> None:
    result = cli("check", "--today", today)
    found = [f"{line.split(': ')[1]} [{rule_of(line)}]" for line in result.lines if rule_of(line)]
    assert found == expected
    if found:
        assert result.lines[0].startswith("content/treatments/sample-treatment/sign-offs.yaml:3:9: ")


def test_today_must_be_a_date(project: Path, cli: Callable[..., Result], capsys: pytest.CaptureFixture[str]) -> None:
    result = cli("check", "--today", "31/01/2027")
    assert result.code == 2
    assert "'31/01/2027' is not a date written YYYY-MM-DD" in result.err + capsys.readouterr().err


SOURCE = """\
- id: only-source
  kind: {kind}
  title: {title}
  year: {year}
{extra}"""


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"extra": "  doi: 10.12/short\n"}, "value-format"),  # a DOI prefix has 4 to 9 digits
        ({"extra": "  pmid: '12345a'\n"}, "value-format"),
        ({"extra": "  url: http://journal.example.org/a\n"}, "value-format"),  # https only
        ({"kind": "web-page", "extra": "  url: https://agency.example.org/a\n"}, "field-required"),  # accessed missing
        ({"year": "1700"}, "value-format"),
        ({"year": "2027"}, "source-date"),
        ({"title": "''"}, "value-empty"),
    ],
)
def test_source_metadata_checks(project: Path, cli: Callable[..., Result], fields: dict[str, str], rule: str) -> None:
    values = {"kind": "review", "title": "A title", "year": "2020", "extra": ""} | fields
    (project / "content/sources.yaml").write_text(SOURCE.format(**values))
    result = cli("check")
    assert result.code == 1
    assert any(line.endswith(f"[{rule}]") and line.startswith("content/sources.yaml:") for line in result.lines), result.lines


def test_claim_citing_only_an_animal_study_is_labelled_on_the_page(project: Path, cli: Callable[..., Result]) -> None:
    sources = project / "content/sources.yaml"
    sources.write_text(sources.read_text() + "\n- id: rat-2011\n  kind: animal-study\n  title: A study in rats\n")
    mechanism = project / "content/treatments/sample-treatment/mechanism.yaml"
    mechanism.write_text(
        mechanism.read_text()
        + "- id: step-three\n  title: Step three\n  claims:\n    - text: Rats healed.\n      cite: [rat-2011]\n"
        + "      allow: [{rule: evidence-weak, reason: the sentence says rats}]\n"
    )
    sign(project / "content")
    assert cli("build").code == 0
    page = (project / "site/treatments/sample-treatment/index.html").read_text()
    claim = re.search(r'<span id="c7">Rats healed.*?</span>', page, re.S)
    assert claim is not None
    assert 'aria-label="source 4, an animal study only"' in claim.group(0)
    assert "animal study only" in claim.group(0).split("</a>")[0].split('<a href="#ref-')[1]
    first = re.search(r'<span id="c5">.*?</span>', page, re.S)
    assert first is not None and "only" not in first.group(0)
