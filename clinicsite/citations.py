"""Number each treatment page's citations by first appearance, and link both ways.

The order in which this module walks a treatment is the page's reading order; the
treatment layout lays sections out in the same order (a test holds the two together).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from operator import sub
from typing import NamedTuple

from clinicsite.clinic import Site, SiteInfo
from clinicsite.model import Claim, Faq, Item, SideEffect, Source, Treatment
from clinicsite.shape import RECORD_FILES
from clinicsite.source_kinds import HUMAN_EVIDENCE, KINDS


class Mark(NamedTuple):
    """A superscript citation after a claim: a source's number, and where in it the claim is found."""

    number: int
    locator: str | None


class Run(NamedTuple):
    """Consecutive source numbers shown as one citation mark: "3", or "2-5" (shown with an en dash) for three or more.

    lead is True for the first run of a claim's group: the layout writes a comma before
    every other. A value: the presentation step makes each distinct mark once.
    """

    first: int
    last: int
    lead: bool


#: Vancouver (ICMJE) joins three or more consecutive numbers with an en dash; two stay "2,3".
RUN_LENGTH = 3
#: Make a Run from a tuple of its fields without its Python-level constructor (one or more a claim).
_run = partial(tuple.__new__, Run)


def runs(numbers: Iterable[int]) -> tuple[Run, ...]:
    """Return numbers ascending, without repeats, with runs of RUN_LENGTH or more joined: 5,2,3,4,9 -> 2-5,9 (en dash)."""
    ordered = sorted(set(numbers))
    if not ordered:
        return ()
    first = ordered[0]
    # sorted and distinct: a run of three needs two numbers apart by two with one between (most claims have none)
    if len(ordered) < RUN_LENGTH or RUN_LENGTH - 1 not in map(sub, ordered[RUN_LENGTH - 1 :], ordered):
        rest = ordered[1:]
        return (_run((first, first, True)), *map(_run, zip(rest, rest, repeat(False))))
    if ordered[-1] - first == len(ordered) - 1:  # one unbroken run: sources first cited together
        return (_run((first, ordered[-1], True)),)
    spans: list[list[int]] = []
    for n in ordered:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    split = [s for first, last in spans for s in ([(first, last)] if last - first + 1 >= RUN_LENGTH else [(n, n) for n in range(first, last + 1)])]
    return tuple(_run((first, last, i == 0)) for i, (first, last) in enumerate(split))


class Backlink(NamedTuple):
    """A link from a reference back to a claim citing it, numbered in reading order from 1."""

    number: int
    anchor: str


class CitedClaim(NamedTuple):
    """A claim as it appears on the page: its text, its anchor and its citation marks. (A named tuple: a page has a hundred.)"""

    text: str
    anchor: str
    marks: tuple[Mark, ...]
    runs: tuple[Run, ...]
    """The marks as the page shows them: ascending, runs joined (see `runs`)."""
    caveat: str | None = None
    """Set when every source is an animal study, web page or book, e.g. "an animal study only"."""


class CitedRecord(NamedTuple):
    """A benefit, step, side effect or FAQ with numbered claims. (A named tuple, as CitedClaim: a page has thirty.)"""

    id: str
    heading: str
    claims: tuple[CitedClaim, ...]
    duration: CitedClaim | None = None
    seek_help: tuple[CitedClaim, ...] = ()


class Reference(NamedTuple):
    """One entry of the numbered reference list and the claims that cite it. (A named tuple: a page has two hundred.)"""

    number: int
    source: Source
    locators: tuple[str, ...]
    cited_in: tuple[Backlink, ...]
    """The claims citing it, in reading order: their anchors numbered from 1, as the page shows them ("Cited in: 1 2")."""


#: Make a named tuple of these from a tuple of its fields without its Python-level constructor (hundreds a page).
_mark = partial(tuple.__new__, Mark)
_backlink = partial(tuple.__new__, Backlink)
_claim = partial(tuple.__new__, CitedClaim)
_reference = partial(tuple.__new__, Reference)
_record = partial(tuple.__new__, CitedRecord)


@dataclass(frozen=True)
class CitedTreatment:
    """A treatment page's content with its numbered references."""

    treatment: Treatment
    summary: tuple[CitedClaim, ...]
    records: dict[str, tuple[CitedRecord, ...]]
    """Each record file's records by its field (clinicsite.shape.RECORD_FILES), in reading order."""
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class CitedSite:
    """The site with every treatment's citations numbered."""

    info: SiteInfo
    treatments: tuple[CitedTreatment, ...]


def _caveat(sources: list[Source]) -> str | None:
    """Return how to label a claim whose sources are all non-human evidence, else None."""
    if any(s.kind in HUMAN_EVIDENCE for s in sources):
        return None
    kinds = sorted({s.kind for s in sources})
    if len(sources) == 1:
        return f"{KINDS[kinds[0]].one} only"
    return f"{' and '.join(KINDS[k].many for k in kinds)} only"


class _Numbering:
    """Numbers sources in the order claims first cite them, remembering who cited what."""

    def __init__(self, sources: dict[str, Source]) -> None:
        self.sources = sources
        self.cited: dict[str, tuple[int, list[str], list[str]]] = {}
        """Each source cited, in the order first cited: its number, the anchors of the claims citing it, its locators."""
        self.count = 0

    def claim(self, claim: Claim) -> CitedClaim:
        """Return the claim with its marks; its anchor is c1, c2, ... in reading order (short: pages stay light)."""
        self.count += 1
        anchor = f"c{self.count}"
        marks = []
        numbers = []
        human = False
        cited, sources = self.cited, self.sources
        for citation in claim.cite:
            source, locator = citation.source, citation.locator
            found = cited.get(source)
            if found is None:  # first cited here
                found = cited[source] = (len(cited) + 1, [anchor], [])
            elif found[1][-1] != anchor:  # a claim citing a source twice links back once
                found[1].append(anchor)
            if locator and locator not in found[2]:
                found[2].append(locator)
            marks.append(_mark((found[0], locator)))
            numbers.append(found[0])
            human = human or sources[source].kind in HUMAN_EVIDENCE
        caveat = None if human else _caveat([sources[c.source] for c in claim.cite])
        return _claim((claim.text, anchor, tuple(marks), runs(numbers), caveat))

    def claims(self, claims: list[Claim]) -> tuple[CitedClaim, ...]:
        return tuple([self.claim(c) for c in claims])

    def record(self, record: Item | Faq) -> CitedRecord:
        heading = record.question if isinstance(record, Faq) else record.title
        claims = self.claims(record.claims)
        if not isinstance(record, SideEffect):
            return _record((record.id, heading, claims, None, ()))
        duration = self.claim(record.duration) if record.duration else None
        seek_help = self.claims(record.seek_help.claims) if record.seek_help else ()
        return _record((record.id, heading, claims, duration, seek_help))

    def references(self) -> tuple[Reference, ...]:
        sources = self.sources
        return tuple(
            [
                _reference((number, sources[source], tuple(locators), tuple(map(_backlink, enumerate(anchors, 1)))))
                for source, (number, anchors, locators) in self.cited.items()
            ]
        )


def cite_treatment(treatment: Treatment, sources: dict[str, Source]) -> CitedTreatment:
    """Return the treatment with citations numbered in page reading order."""
    numbering = _Numbering(sources)
    summary = numbering.claims(treatment.overview.summary.claims)
    records = {rf.field: tuple(numbering.record(r) for r in getattr(treatment, rf.field)) for rf in RECORD_FILES}  # in reading order
    return CitedTreatment(treatment, summary, records, numbering.references())


def number_citations(site: Site) -> CitedSite:
    """Return the site with each treatment page's references numbered."""
    return CitedSite(site.info, tuple(cite_treatment(t, site.sources) for t in site.treatments))
