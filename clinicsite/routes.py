"""The URL scheme in one place, and the typed context each layout receives."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from clinicsite.citations import CitedClaim, CitedTreatment
from clinicsite.model import SiteInfo

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
    reviewed: datetime.date


def listing(cited: CitedTreatment) -> Listing:
    """Return what the site-wide pages need of a treatment: little, so a worker process can send it back."""
    overview = cited.treatment.overview
    return Listing(cited.treatment.slug, overview.title, cited.summary, overview.reviewed.date)


def treatment_page(info: SiteInfo, cited: CitedTreatment) -> Page:
    """Return a treatment's page; its reviewer must exist (validation made sure)."""
    path = treatment_path(cited.treatment.slug)
    reviewed = cited.treatment.overview.reviewed
    reviewer = next(r for r in info.reviewers if r.id == reviewed.by)
    context = _common(info, path, "../../") | {
        "page": cited,
        "reviewer": reviewer,
        "next_review": info.next_review(reviewed.date),
    }
    return Page(path, "treatment.html", context)


def site_pages(info: SiteInfo, listings: tuple[Listing, ...]) -> tuple[Page, tuple[Page, ...]]:
    """Return the index page, and the pages that follow the treatments: 404, sitemap, robots, _headers."""
    entries = tuple((treatment_folder(t.slug), t) for t in listings)
    sitemap = [(_url(info, "index.html"), None)] + [(_url(info, treatment_path(t.slug)), t.reviewed) for t in listings]
    return Page("index.html", "index.html", _common(info, "index.html", "") | {"treatments": entries}), (
        Page("404.html", "404.html", _common(info, "404.html", urlsplit(info.base_url).path)),
        Page("sitemap.xml", "sitemap.xml", _common(info, "sitemap.xml", "") | {"entries": sitemap}),
        Page("robots.txt", "robots.txt", _common(info, "robots.txt", "") | {"sitemap_url": _url(info, "sitemap.xml")}),
        Page("_headers", "headers.txt", _common(info, "_headers", "") | {"base_path": urlsplit(info.base_url).path}),
    )
