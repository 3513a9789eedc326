"""The built pages keep the layouts' promises (issue 4), checked on the real content/ without a browser.

content/ grows while these tests stand, so they check structure, never counts of claims or
sources. Each checker lives in tests/checks.py and is also run on a broken page
(test_checkers_report_broken_pages) to show it can fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.checks import (
    PLACEHOLDER_REVIEW,
    Page,
    foreign_request_problems,
    head_problems,
    is_mark,
    json_ld,
    link_problems,
    page_weight,
    parse_page,
    render_blocking_problems,
    site_pages,
    structure_problems,
    structured_data_problems,
    treatment_problems,
)
from tests.conftest import BuiltSite
from tests.reading import reading_problems

#: A treatment page's HTML plus its CSS, uncompressed.
# "under 120 KB", the stricter, decimal reading. It was 60 KB until issue 18 made every
# claim one sentence with its own citation marks (84 claims became over 200) and added the
# safety sections and their 20 sources: 97 KB for microneedling.
MAX_PAGE_BYTES = 120_000


@pytest.fixture(scope="module")
def pages(real_site: BuiltSite) -> list[Page]:
    return site_pages(real_site.root, real_site.info.base_url)


def treatment_pages(pages: list[Page], site: BuiltSite) -> list[Page]:
    found = [p for p in pages if p.name.startswith("treatments/")]
    assert sorted(p.path.parent.name for p in found) == sorted(site.slugs)
    return found


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {problem}" for name, found in problems.items() for problem in found)


def test_every_page_is_built(pages: list[Page], real_site: BuiltSite) -> None:
    names = {p.path.relative_to(real_site.root).as_posix() for p in pages}
    assert names == {"index.html", "404.html", *(f"treatments/{slug}/index.html" for slug in real_site.slugs)}


def test_pages_have_landmarks_one_h1_ordered_headings_and_a_skip_link(pages: list[Page]) -> None:
    problems = {p.name: structure_problems(p) for p in pages}
    assert not any(problems.values()), report(problems)


def test_treatment_pages_have_contents_faqs_steps_citations_and_review(pages: list[Page], real_site: BuiltSite) -> None:
    problems = {p.name: treatment_problems(p) for p in treatment_pages(pages, real_site)}
    assert not any(problems.values()), report(problems)


def test_treatment_pages_name_the_reviewer_and_booking_from_site_yaml(pages: list[Page], real_site: BuiltSite) -> None:
    info = real_site.info
    for page in treatment_pages(pages, real_site):
        review = page.root.find("section", class_="review")
        assert review is not None
        signed_by = [r for r in info.reviewers if f"by {r.name}, {r.credentials}" in review.text() or f"by {r.name}, a placeholder reviewer" in review.text()]
        assert signed_by and all(r.placeholder == (PLACEHOLDER_REVIEW in review.text()) for r in signed_by)
        footer_links = [a.attrs.get("href") for a in page.root.find_all("a")]
        assert info.contact.booking_url in footer_links
        assert f"mailto:{info.contact.email}" in footer_links


def test_index_lists_every_treatment_with_its_summary(pages: list[Page], real_site: BuiltSite) -> None:
    index = next(p for p in pages if p.name == "index.html")
    listing = index.root.find("ul", class_="treatment-list")
    assert listing is not None
    items = listing.find_all("li")
    assert [a.attrs["href"] for li in items for a in li.find_all("a") if not is_mark(a)] == [f"treatments/{slug}/" for slug in real_site.slugs]
    summaries = [li.find("p") for li in items]
    assert all(p is not None and p.text() for p in summaries)


def test_every_page_reads_without_stray_punctuation_and_with_ordered_citation_marks(pages: list[Page]) -> None:
    """Regression for issue 20: the index read "keeps skin firm.,2,3" and marks ran "4,3,5,2"."""
    problems = {p.name: reading_problems(p) for p in pages}
    assert not any(problems.values()), report(problems)


def test_every_internal_link_and_fragment_resolves(pages: list[Page], real_site: BuiltSite) -> None:
    # The booking link is on the clinic's host but served by its booking system, not built here.
    elsewhere = frozenset({real_site.info.contact.booking_url})
    problems = link_problems(pages, real_site.root, real_site.info.base_url, elsewhere)
    assert not problems, "\n".join(problems)


def test_no_page_loads_scripts_styles_fonts_or_images_from_another_host(pages: list[Page], real_site: BuiltSite) -> None:
    problems = foreign_request_problems(pages, real_site.root, real_site.info.base_url)
    assert not problems, "\n".join(problems)


def test_heads_have_title_description_canonical_open_graph_and_strict_csp(pages: list[Page], real_site: BuiltSite) -> None:
    problems = {p.name: head_problems(p, real_site.info.name, real_site.info.language) for p in pages}
    assert not any(problems.values()), report(problems)
    for page in treatment_pages(pages, real_site):
        assert page.meta(property="og:type") == "article"


def test_404_page_has_a_description_and_a_tap_to_call_phone(pages: list[Page], real_site: BuiltSite) -> None:
    """Regression for issue 20: Lighthouse SEO 54 for no description; the phone was plain text."""
    missing = next(p for p in pages if p.name == "404.html")
    assert missing.meta(name="robots") == "noindex" and missing.meta(name="description")
    main = missing.root.find("main")
    phone = real_site.info.contact.phone
    calls = [a for a in main.find_all("a") if a.attrs.get("href", "").startswith("tel:")] if main else []
    assert [(a.attrs["href"], a.text()) for a in calls] == [(f"tel:{phone.replace(' ', '')}", phone)]


def test_json_ld_parses_and_matches_what_the_page_shows(pages: list[Page], real_site: BuiltSite) -> None:
    problems = {p.name: structured_data_problems(p) for p in treatment_pages(pages, real_site)}
    assert not any(problems.values()), report(problems)
    for page in pages:
        json_ld(page)  # every block on every page is valid JSON
    index = next(p for p in pages if p.name == "index.html")
    website = next((n for block in json_ld(index) for n in block.get("@graph", []) if n.get("@type") == "WebSite"), {})
    part_of = {n.get("isPartOf", {}).get("@id") for p in treatment_pages(pages, real_site) for block in json_ld(p) for n in block["@graph"][:1]}
    assert website.get("url") == real_site.info.base_url and part_of == {website.get("@id")}, (website, part_of)


def test_page_weight_and_one_render_blocking_request(pages: list[Page], real_site: BuiltSite) -> None:
    problems = {p.name: render_blocking_problems(p) for p in pages}
    assert not any(problems.values()), report(problems)
    for page in treatment_pages(pages, real_site):
        weight = page_weight(page, real_site.root, real_site.info.base_url)
        assert weight < MAX_PAGE_BYTES, f"{page.name}: HTML + CSS is {weight:,} bytes, over {MAX_PAGE_BYTES:,}"


BROKEN = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Broken</title>
<link rel="stylesheet" href="https://cdn.example.net/x.css">
<link rel="stylesheet" href="local.css">
<script src="https://cdn.example.net/x.js"></script>
<script type="application/ld+json">{"@type": "MedicalWebPage",}</script>
</head>
<body>
<main><h1>One</h1><h3 id="a">Skipped a level</h3><p id="a">Twice</p>
<p><a href="#nowhere">dangling</a> <a href="missing/">missing page</a> <a href="https://other.example.net/ok">a navigation</a>
<img src="//images.example.net/x.png" alt=""><span style="background: url(https://fonts.example.net/f.woff2)">x</span></p>
<section id="faqs"><dl><dt>Q?</dt><dd>A.</dd></dl></section>
</main>
</body>
</html>
"""


#: Issue 20's defects as the audit read them: a comma left between two claims' marks, marks
#: out of order and not joined, a mark outside a group, a reference with a bare semicolon.
READ_BADLY = """<body><p>Keeps skin firm.<a href="t/#ref-1">1</a> Still needed.<sup><a href="t/#ref-4">4</a>,<a href="t/#ref-3">3</a></sup>
Again.<sup><a href="#ref-2">2</a>,<a href="#ref-3">3</a>,<a href="#ref-4">4</a></sup> <a href="#ref-9">9</a></p>
<p>Keeps skin firm.<sup>,<a href="#ref-2">2</a></sup></p><ol><li>FDA [Internet]; [cited 2026-11-22].</li></ol></body>"""


def test_checkers_report_broken_pages(tmp_path: Path) -> None:
    """Each checker finds what is wrong with a page that breaks its rules."""
    base_url = "https://clinic.example.org/"
    (tmp_path / "index.html").write_text(BROKEN)
    (tmp_path / "local.css").write_text("@import 'https://fonts.example.net/x.css';\nbody { background: url(data:image/gif;base64,R0lGOD) }\n")
    page = parse_page(BROKEN, base_url, tmp_path / "index.html")

    structure = "\n".join(structure_problems(page))
    for expected in ("no lang", "no <header>", "no <nav>", "no <footer>", "duplicate ids: a", "skip link", "<h3> 'Skipped a level' skips a level"):
        assert expected in structure

    links = "\n".join(link_problems([page], tmp_path, base_url))
    assert "no element with id 'nowhere'" in links
    assert "'missing/' names a file that was not built" in links
    assert "other.example.net" not in links  # links to other hosts are navigations

    foreign = "\n".join(foreign_request_problems([page], tmp_path, base_url))
    for url in ("https://cdn.example.net/x.css", "https://cdn.example.net/x.js", "//images.example.net/x.png", "https://fonts.example.net/f.woff2"):
        assert url in foreign
    assert "local.css: loads https://fonts.example.net/x.css" in foreign
    assert "data:image" not in foreign and "other.example.net" not in foreign

    head = "\n".join(head_problems(page, "Clinic", "en-GB"))
    for expected in ("Content-Security-Policy", "canonical", "no meta description", "og:title", "og:locale"):
        assert expected in head

    blocking = "\n".join(render_blocking_problems(page))
    assert "exactly one stylesheet link, found 2" in blocking and "<script src='https://cdn.example.net/x.js'>" in blocking
    assert "inline styles" in blocking

    assert "not valid JSON" in structured_data_problems(page)[0]
    good_json = BROKEN.replace('{"@type": "MedicalWebPage",}', json.dumps({"@graph": [{"@type": "MedicalWebPage"}, {"@type": "FAQPage", "mainEntity": []}]}))
    mismatched = "\n".join(structured_data_problems(parse_page(good_json, base_url, tmp_path / "index.html")))
    assert "isPartOf" in mismatched and "publisher" in mismatched and "not linked" in mismatched and "dateModified" in mismatched
    assert "lastReviewed" in mismatched and "reviewedBy" in mismatched and "FAQPage questions [] are not the page's ['Q?']" in mismatched

    reading = "\n".join(reading_problems(page))
    assert "'dangling' is not inside its claim's group" not in reading  # a link to #nowhere is no citation mark
    misread = parse_page(READ_BADLY).root
    marks = "\n".join(reading_problems(parse_page(READ_BADLY)))
    for expected in ("a comma after other punctuation: …", "marks read ',2'", "'4,3' are not ascending", "'2,3,4' list three consecutive", "'9' is not inside"):
        assert expected in marks, marks
    assert "a semicolon with nothing after it" in marks and "cited date written as ISO" in marks
    assert misread.find("sup") is not None

    treatment = "\n".join(treatment_problems(page))
    for expected in ("table of contents", "no section with id 'benefits'", "not an ordered list", "no reference list", "Page last reviewed", "disclaimer"):
        assert expected in treatment
