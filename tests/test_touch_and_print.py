"""Pages as a patient's thumb and a printer meet them (issue 20): tap targets at 375 px, the printed PDF.

Uses test_browser's browser and server. The PDF is chromium's own print-to-PDF, read back
with poppler's pdftotext and turned into PNGs with pdftoppm (in .artifacts/screenshots/, for
a person to look at); `make test` installs poppler-utils.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import BuiltSite
from tests.test_browser import MISSING, SCREENSHOTS, browser, open_tab, origin  # noqa: F401 (browser and origin are fixtures)

try:
    from playwright.sync_api import Browser
    from playwright.sync_api import Page as Tab
except ImportError:  # test_browser reports it as a missing tool
    pass

#: WCAG 2.2's 2.5.8 (Target Size, Minimum), held everywhere, even where its inline exception would allow less.
MIN_TARGET = 24
#: What a patient taps on a treatment page besides ordinary text links: marks, back-links, "N more".
TARGETS = "sup a, .backlinks a, .backlinks summary"
#: A reference's DOI and PMID links: their text is the identifier, to be printed once.
IDENTIFIER_LINKS = '.references a[href^="https://doi.org/"], .references a[href^="https://pubmed."]'
MISSING_POPPLER = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"needs {'; '.join(MISSING)}; `make test` installs them")


def small_targets(tab: Tab, selector: str = TARGETS) -> list[str]:
    """Return every target smaller than MIN_TARGET in either direction, with its size; <details> are opened first."""
    sizes = tab.evaluate(
        """sel => { document.querySelectorAll('details').forEach(d => d.open = true);
        return [...document.querySelectorAll(sel)].map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.width, r.height]; }); }""",
        selector,
    )
    return [f"'{text}' is {w:.1f} x {h:.1f} px" for text, w, h in sizes if w < MIN_TARGET or h < MIN_TARGET]


def test_marks_back_links_and_summaries_are_24_px_tap_targets_at_375_px(browser: Browser, origin: str, real_site: BuiltSite) -> None:  # noqa: F811
    context, tab, _ = open_tab(browser, 375, origin)
    problems: list[str] = []
    try:
        for path in ["", *(f"treatments/{slug}/" for slug in real_site.slugs)]:
            tab.goto(origin + path, wait_until="load")
            assert tab.locator("sup a").count() > 0, f"/{path}: no citation marks to measure"
            problems += [f"/{path}: {p}" for p in small_targets(tab)]
            balanced = tab.evaluate("[...document.querySelectorAll('h1, h2, h3')].filter(h => getComputedStyle(h).textWrapStyle !== 'balance').length")
            if balanced:
                problems.append(f"/{path}: {balanced} headings may leave one word on a line (no text-wrap: balance)")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_tap_target_check_reports_a_small_mark(browser: Browser, origin: str) -> None:  # noqa: F811
    context, tab, _ = open_tab(browser, 375, origin)
    try:
        tab.set_content('<p>Firm.<sup><a href="#ref-1" style="font-size: 10px">1</a></sup></p>')
        assert small_targets(tab) and small_targets(tab)[0].startswith("'1' is ")
    finally:
        context.close()


def pdf_pages(tab: Tab, name: str) -> list[str]:
    """Return the text of each page of the tab printed to PDF (A4), and write each page as a PNG for a person."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / f"{name}-print.pdf"
    tab.pdf(path=str(pdf), format="A4")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SCREENSHOTS / f"{name}-print")], check=True, timeout=120)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=120).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f")]  # <wbr> lets an address break over lines


@pytest.mark.skipif(bool(MISSING_POPPLER), reason=f"needs {', '.join(MISSING_POPPLER)} (apt-get install poppler-utils); `make test` installs it")
def test_printed_pdf_gives_the_booking_address_each_doi_once_and_keeps_the_review_together(browser: Browser, origin: str, real_site: BuiltSite) -> None:  # noqa: F811
    """Regression for issue 20: 'Book an appointment' printed with no address, DOIs twice, the review box split."""
    contact = real_site.info.contact
    context, tab, _ = open_tab(browser, 800, origin)
    try:
        for slug in real_site.slugs:
            tab.goto(f"{origin}treatments/{slug}/", wait_until="load")
            identifiers = tab.evaluate("sel => [...document.querySelectorAll(sel)].map(a => a.textContent)", IDENTIFIER_LINKS)
            pages = pdf_pages(tab, slug)
            printed = "".join(pages)
            assert identifiers and all(printed.count(i) == 1 for i in identifiers), [i for i in identifiers if printed.count(i) != 1]
            for shown in (contact.booking_url, contact.phone, contact.address):
                assert re.sub(r"\s+", "", shown) in printed, f"{shown!r} is not printed"
            review = [i for i, page in enumerate(pages) if "Pagelastreviewed" in page or "Noclinicianhasreviewedthisexamplepage" in page]
            disclaimer = [i for i, page in enumerate(pages) if "notmedicaladviceforyou" in page]
            assert len(review) == 1 and review == disclaimer, f"review box on pages {review}, disclaimer on {disclaimer}"
    finally:
        context.close()
