"""Reference-list entries when a source lacks fields, written as Citing Medicine writes them (issue 20).

The audit found "2017;(3):321-339" and "[Internet]; [cited 2026-11-22]" in the references.
Each expected entry below is written by hand from Citing Medicine's rules and its examples
(chapter 1: "Clin Orthop. 2002 Aug;(401):230-8." for an issue without a volume, "HRSA
Careaction. 2002 Jun:1-6." for neither; chapter 22 for web pages), never copied from output.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from markupsafe import Markup

from clinicsite.model import Source
from clinicsite.pipeline import DEFAULT_LAYOUTS
from clinicsite.references import cited_date, publication
from clinicsite.render import make_environment
from tests.checks import parse_page
from tests.reading import text_problems

ARTICLE: dict[str, Any] = {
    "id": "hou-2017",
    "kind": "review",
    "title": "Microneedling: a comprehensive review",
    "authors": ["Audrey Hou", "Brian Cohen"],
    "year": 2017,
    "journal": "Dermatologic Surgery",
    "volume": "43",
    "issue": "3",
    "pages": "321-339",
}
OPTIONAL = ("volume", "issue", "pages", "authors", "year")


def entry_text(fields: dict[str, Any]) -> str:
    """Return a source's reference entry as a reader sees it: rendered by the layout, tags removed."""
    env = make_environment(DEFAULT_LAYOUTS)
    html: Markup = env.get_template("partials/reference.html").module.entry(Source(**fields))  # type: ignore[attr-defined]
    return parse_page(f"<body>{html}</body>").root.text()


def without(*missing: str) -> dict[str, Any]:
    return {k: v for k, v in ARTICLE.items() if k not in missing}


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        ((), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. 2017;43(3):321-339."),
        (("issue",), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. 2017;43:321-339."),
        (("volume",), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. 2017;(3):321-339."),
        (("volume", "issue"), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. 2017:321-339."),
        (("pages",), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. 2017;43(3)."),
        (("volume", "issue", "pages"), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. 2017."),
        (("authors",), "Review. Microneedling: a comprehensive review. Dermatologic Surgery. 2017;43(3):321-339."),
        (("year",), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. [date unknown];43(3):321-339."),
        (("year", "volume", "issue", "pages"), "Review. Hou A, Cohen B. Microneedling: a comprehensive review. Dermatologic Surgery. [date unknown]."),
        (OPTIONAL, "Review. Microneedling: a comprehensive review. Dermatologic Surgery. [date unknown]."),
    ],
    ids=lambda v: "-".join(v) or "complete" if isinstance(v, tuple) else None,
)
def test_journal_article_without_some_fields(missing: tuple[str, ...], expected: str) -> None:
    assert entry_text(without(*missing)) == expected


@pytest.mark.parametrize("missing", [c for n in range(len(OPTIONAL) + 1) for c in itertools.combinations(OPTIONAL, n)], ids="-".join)
def test_no_combination_of_missing_fields_leaves_stray_punctuation(missing: tuple[str, ...]) -> None:
    text = entry_text(without(*missing))
    assert not text_problems(text), text
    assert text.endswith(".") and "Dermatologic Surgery. " in text


def test_web_page_with_and_without_a_year() -> None:
    page = {"id": "aad", "kind": "web-page", "title": "Microneedling at home", "publisher": "American Academy of Dermatology"}
    page |= {"accessed": "2026-11-22", "url": "https://www.aad.org/microneedling"}
    dated = "Web page. Microneedling at home. American Academy of Dermatology [Internet]; 2018 [cited 2026 Nov 22]. Available from: https://www.aad.org/microneedling"
    assert entry_text(page | {"year": 2018}) == dated
    assert entry_text(page) == dated.replace("2018 [cited", "[date unknown] [cited")


def test_book_pages_follow_the_date() -> None:
    book = {"id": "b", "kind": "book", "title": "Skin", "authors": ["Ann Other"], "publisher": "Example Press", "year": 2011, "pages": "148-55"}
    assert entry_text(book) == "Book. Other A. Skin. Example Press; 2011. p. 148-55."
    assert publication(Source(**{**book, "pages": None})) == "Example Press; 2011."


def test_cited_dates_are_written_year_month_day() -> None:
    assert cited_date(datetime.date(2026, 1, 5)) == "2026 Jan 5"
    assert cited_date(datetime.date(2025, 12, 31)) == "2025 Dec 31"
