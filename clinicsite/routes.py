"""The URL scheme in one place, and the typed context each layout receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from clinicsite.citations import CitedSite, CitedTreatment
from clinicsite.model import SiteInfo


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


def _treatment_page(info: SiteInfo, cited: CitedTreatment) -> Page:
    path = treatment_path(cited.treatment.slug)
    reviewed = cited.treatment.overview.reviewed
    reviewer = next(r for r in info.reviewers if r.id == reviewed.by)
    context = _common(info, path, "../../") | {
        "page": cited,
        "reviewer": reviewer,
        "next_review": info.next_review(reviewed.date),
    }
    return Page(path, "treatment.html", context)


def plan_pages(site: CitedSite) -> tuple[Page, ...]:
    """Return every page of the site, index first, in a stable order."""
    info = site.info
    listing = tuple((treatment_folder(t.treatment.slug), t) for t in site.treatments)
    sitemap = [(_url(info, "index.html"), None)] + [(_url(info, treatment_path(t.treatment.slug)), t.treatment.overview.reviewed.date) for t in site.treatments]
    return (
        Page("index.html", "index.html", _common(info, "index.html", "") | {"treatments": listing}),
        *(_treatment_page(info, t) for t in site.treatments),
        Page("404.html", "404.html", _common(info, "404.html", urlsplit(info.base_url).path)),
        Page("sitemap.xml", "sitemap.xml", _common(info, "sitemap.xml", "") | {"entries": sitemap}),
        Page("robots.txt", "robots.txt", _common(info, "robots.txt", "") | {"sitemap_url": _url(info, "sitemap.xml")}),
    )
