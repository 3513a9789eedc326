"""A source as its reference-list entry and its links: Vancouver names and numbers, DOI and PubMed addresses.

Text only: the markup of an entry (the title's <cite>, the links) stays in
layouts/partials/reference.html, which calls these through render.py's filters. Where a
source lacks a volume, an issue, pages or a year, the entry is written as the NLM's
*Citing Medicine* writes it (chapter 1, journals; chapter 22, web pages), never with the
separators of the missing field left behind.
"""

from __future__ import annotations

import datetime
import re

from clinicsite.model import Source

#: Name particles that belong to the surname: "Valerio De Vita" is "De Vita V".
SURNAME_PARTICLES = frozenset({"da", "das", "de", "del", "della", "der", "di", "dos", "du", "la", "le", "van", "von"})
#: Citing Medicine's month abbreviations, independent of the machine's locale.
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: What Citing Medicine writes for a source whose year of publication is not known.
NO_DATE = "[date unknown]"
#: What separates given names and their initials: "J.R.R." and "Mary Ann" give their initials alike.
_INITIALS = re.compile(r"[\s.]+")


def is_organisation(name: str) -> bool:
    """Return True when an author is taken to be an organisation, not a person.

    A single word, more than four words, or a lowercase word that is not a surname
    particle (of, and, for) marks an organisation: "U.S. Food and Drug Administration".
    """
    words = name.split()
    return len(words) < 2 or len(words) > 4 or any(w[0].islower() and w not in SURNAME_PARTICLES for w in words)


def vancouver_author(name: str) -> str:
    """Return a personal name as Vancouver's 'Surname Initials'; organisations unchanged.

    A surname particle starts the surname: "Dirk Freiherr von Dalwig-Nolda" is "von Dalwig-Nolda DF".
    """
    if is_organisation(name):
        return name
    words = name.split()
    split = next((i for i, w in enumerate(words[1:-1], 1) if w.lower() in SURNAME_PARTICLES), len(words) - 1)
    given = _INITIALS.split(" ".join(words[:split]))
    return f"{' '.join(words[split:])} {''.join(g[0].upper() for g in given if g)}"


def cited_date(day: datetime.date) -> str:
    """Return a date as Citing Medicine writes when a web page was read: 2026 Nov 22."""
    return f"{day.year} {MONTH_ABBREVIATIONS[day.month - 1]} {day.day}"


def publication(source: Source) -> str:
    """Return what follows a source's title: where and when it was published, ending in a full stop.

    A journal article is "Journal. 2017;12(3):321-339."; Citing Medicine drops what is
    missing with its own separator: no issue "2017;12:321-339.", no volume "2017;(3):321-339.",
    neither "2017:321-339.", no pages "2017;12(3).", no year "[date unknown];12(3):321-339.".
    Anything else is "Publisher [Internet]; 2018 [cited 2026 Nov 22]." (web pages are
    marked [Internet]) with a book's pages as " p. 148-55.".
    """
    date = str(source.year) if source.year else NO_DATE
    if source.accessed:
        date += f" [cited {cited_date(source.accessed)}]"
    if source.journal:
        held = (source.volume or "") + (f"({source.issue})" if source.issue else "")
        return f"{source.journal}. {date}{f';{held}' if held else ''}{f':{source.pages}' if source.pages else ''}."
    where = f"{source.publisher}{' [Internet]' if source.kind == 'web-page' else ''}; " if source.publisher else ""
    return f"{where}{date}.{f' p. {source.pages}.' if source.pages else ''}"


def doi_url(source: Source) -> str | None:
    """Return the address of a source's DOI, if it has one."""
    return f"https://doi.org/{source.doi}" if source.doi else None


def pubmed_url(source: Source) -> str | None:
    """Return a source's PubMed page, if it has a PMID."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{source.pmid}/" if source.pmid else None


def source_url(source: Source) -> str | None:
    """Return the one address that names a source best: its DOI, else the publisher's page, else PubMed."""
    return next((link for link in (doi_url(source), source.url, pubmed_url(source)) if link), None)
