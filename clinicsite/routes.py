"""The URL scheme in one place, and the typed context each layout receives."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from clinicsite.citations import CitedClaim, CitedTreatment
from clinicsite.clinic import Reviewer, SiteInfo
from clinicsite.model import Treatment

#: Every layout a page is rendered with (see treatment_page and site_pages).
LAYOUTS = ("index.html", "treatment.html", "404.html", "sitemap.xml", "robots.txt", "headers.txt")


@dataclass(frozen=True)
class Page:
    """One output file to render: where it goes, which layout, and with what."""

    path: str
    """Output path relative to the site folder, e.g. treatments/microneedling/index.html."""
    layout: str
    """Template name under layouts/."""
    context: dict[str, Any] = field(hash=False)
    """The layout's variables; the same names for every layout plus the layout's own."""


def treatment_folder(slug: str) -> str:
    """Return a treatment page's folder, relative to the site root: the address links use."""
    return f"treatments/{slug}/"


def treatment_path(slug: str) -> str:
    """Return the output path of a treatment page."""
    return treatment_folder(slug) + "index.html"


def _url(info: SiteInfo, path: str) -> str:
    """Return the public URL of an output path (index.html is served as its folder)."""
    return info.base_url + path.removesuffix("index.html")


def _common(info: SiteInfo, path: str, root: str) -> dict[str, Any]:
    """Return the variables every layout gets: the clinic, this page's URL, the way home."""
    return {"site": info, "url": _url(info, path), "root": root}


@dataclass(frozen=True)
class Listing:
    """What the index and the sitemap show of one treatment page."""

    slug: str
    title: str
    summary: tuple[CitedClaim, ...]
    modified: datetime.date | None
    """The day of the latest sign-off; None for a page never signed."""
    draft: bool = False
    """A page with changes no clinician has checked (preview builds only): kept out of the sitemap."""


def listing(cited: CitedTreatment) -> Listing:
    """Return what the site-wide pages need of a treatment: little, so a worker process can send it back."""
    treatment = cited.treatment
    latest = treatment.last()
    return Listing(treatment.slug, treatment.overview.title, cited.summary, latest.date if latest else None, bool(treatment.draft))


@dataclass(frozen=True)
class ReviewBox:
    """What a page says of its clinical review: the last full one, and a later partial one if any."""

    reviewed: datetime.date
    reviewer: Reviewer
    next_review: datetime.date
    modified: datetime.date
    """The day of the latest sign-off, full or partial."""
    updated_by: Reviewer | None = None
    """Who checked the changes of a partial sign-off after the full one (on modified)."""


def review_box(info: SiteInfo, treatment: Treatment) -> ReviewBox | None:
    """Return the page's review facts from its sign-offs; None when no full sign-off stands."""
    full, latest = treatment.last("full"), treatment.last()
    if full is None or latest is None:
        return None
    reviewers = {r.id: r for r in info.reviewers}
    update = reviewers[latest.by] if latest.scope == "partial" and latest.date >= full.date and latest is not full else None
    return ReviewBox(full.date, reviewers[full.by], info.next_review(full.date), latest.date, update)


def treatment_page(info: SiteInfo, cited: CitedTreatment) -> Page:
    """Return a treatment's page; its reviewers must exist (validation made sure)."""
    path = treatment_path(cited.treatment.slug)
    context = _common(info, path, "../../") | {"page": cited, "review": review_box(info, cited.treatment), "draft": cited.treatment.draft}
    return Page(path, "treatment.html", context)


def site_pages(info: SiteInfo, listings: tuple[Listing, ...]) -> tuple[Page, tuple[Page, ...]]:
    """Return the index page, and the pages that follow the treatments: 404, sitemap, robots, _headers."""
    entries = tuple((treatment_folder(t.slug), t) for t in listings)
    sitemap = [(_url(info, "index.html"), None)] + [(_url(info, treatment_path(t.slug)), t.modified) for t in listings if not t.draft]
    return Page("index.html", "index.html", _common(info, "index.html", "") | {"treatments": entries}), (
        Page("404.html", "404.html", _common(info, "404.html", urlsplit(info.base_url).path)),
        Page("sitemap.xml", "sitemap.xml", _common(info, "sitemap.xml", "") | {"entries": sitemap}),
        Page("robots.txt", "robots.txt", _common(info, "robots.txt", "") | {"sitemap_url": _url(info, "sitemap.xml")}),
        Page("_headers", "headers.txt", _common(info, "_headers", "") | {"base_path": urlsplit(info.base_url).path}),
    )
