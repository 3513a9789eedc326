"""The presentation step: a cited page turned into the values its layout shows, each made once.

Between planning a page (routes.py) and rendering it (render.py): a claim's HTML (its
inline Markdown, sanitised) and its citation marks are made once, where the claim is
shown; each source's reference entry and structured data, each distinct mark and each
back-link once per build. The layouts then write these values with plain loops.

The markup stays in the layouts: marks, entries and back-links are made by the macros of
partials/claims.html and partials/reference.html, called here once per value. Those
partials are loaded without a page's context, so their macros see only their arguments
and the environment's globals, and a value's markup is the same on every page.

A Presenter lives for one build (render.Renderer makes it; a parallel build's workers
each fill their own copy), or in the preview server while the site-wide inputs it was made
against are unchanged (cache.BuildCache.renderer): what it keeps is made from those values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup

from clinicsite.citations import Backlink, CitedClaim, CitedRecord, CitedTreatment, Reference, Run
from clinicsite.clinic import SiteInfo
from clinicsite.markup import plain_text, render_inline
from clinicsite.model import Source, Treatment
from clinicsite.routes import Listing, ReviewBox
from clinicsite.structured import ShownText, description, source_json, treatment_json_ld


class ShownClaim(NamedTuple):
    """A claim as its page shows it. (A named tuple: a page has a hundred, and one is quicker to make than a frozen dataclass.)

    partials/claims.html takes a claim's fields in this order ({% for anchor, html, marks, lead in cs %}).
    """

    anchor: str
    html: Markup
    """The claim's inline Markdown as sanitised HTML."""
    marks: Markup
    """Its citation marks, the content of its <sup>."""
    lead: bool
    """True for the first claim of those shown together (one `claims` call): the layout writes a space before every other."""


class ShownRecord(NamedTuple):
    """A benefit, step, side effect or FAQ as its page shows it. (A named tuple, as ShownClaim: a page has thirty.)"""

    id: str
    heading: str
    claims: tuple[ShownClaim, ...]
    duration: ShownClaim | None
    seek_help: tuple[ShownClaim, ...]


class ShownReference(NamedTuple):
    """An entry of a page's reference list. (A named tuple, as ShownClaim: a page has two hundred.)

    treatment.html takes a reference's fields in this order ({% for number, entry, first, rest, more in page.references %}).
    """

    number: int
    entry: Markup
    """The source's reference entry (partials/reference.html's `entry`)."""
    first: Markup
    """The links back to the claims citing it (its `backlink`s): all of them when FEW_BACKLINKS or fewer, else the first."""
    rest: Markup
    """The other links back, when there are more than FEW_BACKLINKS (the layout folds them away)."""
    more: int
    """How many links rest holds."""


@dataclass(frozen=True)
class ShownTreatment:
    """A treatment page's values."""

    treatment: Treatment
    summary: tuple[ShownClaim, ...]
    records: dict[str, tuple[ShownRecord, ...]]
    """Each record file's records by its field (clinicsite.shape.RECORD_FILES): page.records.faqs in a layout."""
    references: tuple[ShownReference, ...]
    description: str
    """The meta description, from the summary (see structured.description)."""
    json_ld: Markup
    """The page's structured data as JSON text safe in its script element (see structured.treatment_json_ld)."""


@dataclass(frozen=True, slots=True)
class ShownListing:
    """A treatment as the index shows it: its title, and its summary with marks leading to its page."""

    title: str
    summary: tuple[ShownClaim, ...]


#: Markup of text known safe (macros' output joined): str's constructor, which Markup's would call after looking for __html__ again.
_safe = partial(str.__new__, Markup)
_NOTHING = Markup("")
#: Make a ShownClaim or ShownReference from a tuple of its fields without the named tuple's Python-level constructor.
_shown_claim = partial(tuple.__new__, ShownClaim)
_shown_reference = partial(tuple.__new__, ShownReference)
_shown_record = partial(tuple.__new__, ShownRecord)

#: A source cited in more than this many places shows its first use; the layout folds the
#: rest away, so a keyboard user does not Tab through 22 back-links to reach the next one.
FEW_BACKLINKS = 3


def _plain(claims: Sequence[ShownClaim]) -> str:
    """Return claims as one plain-text paragraph: their HTML, tags removed."""
    return " ".join([plain_text(c.html) for c in claims])


class Presenter:
    """Makes a build's pages' values, each source's entry and each distinct mark and back-link once."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.sources: dict[str, tuple[Markup, str]] = {}
        """Each source's reference entry and structured data (its JSON text), by id (one build has one sources.yaml)."""
        self.marks: dict[tuple[Run, str | None, str], Markup] = {}
        self.claim_marks: dict[tuple[tuple[Run, ...], str | None, str], Markup] = {}
        self.backlinks: dict[Backlink, Markup] = {}
        self.cited_in: dict[tuple[Backlink, ...], tuple[Markup, Markup, int]] = {}
        """A reference's links back (ShownReference's first, rest and more) by its back-links: many pages share them."""
        self.listings: dict[str, tuple[Listing, ShownListing]] = {}
        """Each treatment's index entry by its folder, with the listing it was made from."""
        self.macros: dict[tuple[str, str], Any] = {}
        """Each partial's macros, looked up on first use (a broken partial is then a layout error of the page using it)."""

    def listing(self, folder: str, listing: Listing) -> ShownListing:
        """Return a treatment as the index shows it; the same one while its listing is the very object it was made from.

        A preview server's rebuild after one edit takes every other treatment's result, and
        so its listing, from the last build: the index then presents one listing, not a thousand.
        """
        kept = self.listings.get(folder)
        if kept is not None and kept[0] is listing:
            return kept[1]
        made = ShownListing(listing.title, self.claims(listing.summary, folder))
        self.listings[folder] = (listing, made)
        return made

    def kept(self) -> int:
        """Return how many values this presenter keeps (the preview server starts a new one past a bound)."""
        return len(self.sources) + len(self.marks) + len(self.claim_marks) + len(self.backlinks) + len(self.cited_in) + len(self.listings)

    def _macro(self, partial: str, name: str) -> Any:
        found = self.macros.get((partial, name))
        if found is None:
            found = self.macros[partial, name] = getattr(self.env.get_template(partial).module, name)
        return found

    def _marks(self, claim: CitedClaim, page: str) -> Markup:
        """Return a claim's marks (its runs), each mark made once by claims.html's `mark`."""
        key = (claim.runs, claim.caveat, page)
        found = self.claim_marks.get(key)
        if found is None:
            made = []
            for run in claim.runs:
                mark = self.marks.get((run, claim.caveat, page))
                if mark is None:
                    mark = self.marks[run, claim.caveat, page] = self._macro("partials/claims.html", "mark")(run, claim.caveat, page)
                made.append(mark)
            found = self.claim_marks[key] = _safe("".join(made))  # str's join: Markup's would escape each again
        return found

    def claims(self, claims: Sequence[CitedClaim], page: str = "") -> tuple[ShownClaim, ...]:
        """Return claims as shown on their page, or (page: its address) on another page, the index."""
        made = self.claim_marks
        return tuple(
            [_shown_claim((c.anchor, render_inline(c.text), made.get((c.runs, c.caveat, page)) or self._marks(c, page), i == 0)) for i, c in enumerate(claims)]
        )

    def record(self, record: CitedRecord) -> ShownRecord:
        duration = self.claims((record.duration,))[0] if record.duration else None
        return _shown_record((record.id, record.heading, self.claims(record.claims), duration, self.claims(record.seek_help) if record.seek_help else ()))

    def source(self, source: Source) -> tuple[Markup, str]:
        """Return a source's reference entry and structured data (its JSON text), made on first use in the build."""
        found = self.sources.get(source.id)
        if found is None:
            found = self.sources[source.id] = (self._macro("partials/reference.html", "entry")(source), source_json(source))
        return found

    def backlink(self, link: Backlink) -> Markup:
        found = self.backlinks.get(link)
        if found is None:
            found = self.backlinks[link] = self._macro("partials/reference.html", "backlink")(link)
        return found

    def links_back(self, cited_in: tuple[Backlink, ...]) -> tuple[Markup, Markup, int]:
        """Return a reference's links back to the claims citing it: ShownReference's first, rest and more."""
        made = self.backlinks
        links = [made.get(b) or self.backlink(b) for b in cited_in]
        if len(links) == 1:  # most sources: the one back-link as made
            found = (links[0], _NOTHING, 0)
        elif len(links) <= FEW_BACKLINKS:
            found = (_safe("".join(links)), _NOTHING, 0)
        else:
            found = (links[0], _safe("".join(links[1:])), len(links) - 1)
        self.cited_in[cited_in] = found
        return found

    def references(self, cited: Sequence[Reference]) -> tuple[tuple[ShownReference, ...], list[str]]:
        """Return a page's reference list and each reference's structured data (its JSON text), in order."""
        sources, links = self.sources, self.cited_in
        shown, data = [], []
        for number, source, _, cited_in in cited:
            entry, text = sources.get(source.id) or self.source(source)
            shown.append(_shown_reference((number, entry, *(links.get(cited_in) or self.links_back(cited_in)))))
            data.append(text)
        return tuple(shown), data

    def treatment(self, page: CitedTreatment, site: SiteInfo, url: str, review: ReviewBox | None) -> ShownTreatment:
        """Return a treatment page's values."""
        summary = self.claims(page.summary)
        records = {field: tuple(map(self.record, cited)) for field, cited in page.records.items()}
        references, data = self.references(page.references)
        shown = ShownText(description([plain_text(c.html) for c in summary]), tuple([_plain(f.claims) for f in records["faqs"]]))
        json_ld = treatment_json_ld(page, site, url, review, shown, data)
        return ShownTreatment(page.treatment, summary, records, references, shown.description, json_ld)

    def context(self, context: dict[str, Any]) -> dict[str, Any]:
        """Return a layout's context with its cited values (a treatment page, the index's listings) presented."""
        page = context.get("page")
        if isinstance(page, CitedTreatment):
            return context | {"page": self.treatment(page, context["site"], context["url"], context["review"])}
        listings = context.get("treatments")
        if listings is not None:
            shown = tuple((folder, self.listing(folder, t)) for folder, t in listings)
            return context | {"treatments": shown}
        return context
