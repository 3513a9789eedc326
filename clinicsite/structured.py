"""Structured data (schema.org JSON-LD) for the pages, built as Python values and serialised.

Never templated by hand, so it is always valid JSON that cannot end its script element.
Each page has one `@graph` whose nodes name each other by `@id`: the site (a `WebSite`,
described in full on the index), the clinic (a `MedicalClinic`, from site.yaml: the
publisher of every page and the provider of every procedure), and on a treatment page its
`MedicalWebPage` with the `FAQPage` of its questions as a part of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from clinicsite.citations import CitedTreatment
from clinicsite.clinic import SiteInfo
from clinicsite.model import Source
from clinicsite.references import source_url
from clinicsite.routes import ReviewBox
from clinicsite.source_kinds import KINDS

#: Schema.org's MedicalProcedureType member for each procedure_type of treatment.yaml.
PROCEDURE_TYPES = {
    "percutaneous": "https://schema.org/PercutaneousProcedure",
    "noninvasive": "https://schema.org/NoninvasiveProcedure",
    "surgical": "https://schema.org/SurgicalProcedure",
}
#: Search engines show about this many characters of a page's description.
DESCRIPTION_CHARS = 160


@dataclass(frozen=True)
class ShownText:
    """A treatment page's words as plain text, made once by the presentation step: for the meta tags and the structured data."""

    description: str
    """The meta description (see `description`)."""
    answers: tuple[str, ...]
    """Each FAQ's answer, in page order."""


def description(texts: Sequence[str]) -> str:
    """Return the page's meta description from its summary's plain texts: the leading ones that fit DESCRIPTION_CHARS (at least one)."""
    kept = list(texts[:1])
    for text in texts[1:]:
        if len(" ".join([*kept, text])) > DESCRIPTION_CHARS:
            break
        kept.append(text)
    return " ".join(kept)


def website_id(site: SiteInfo) -> str:
    """Return the @id of the site's WebSite node: every page's isPartOf points at it."""
    return f"{site.base_url}#website"


def clinic_id(site: SiteInfo) -> str:
    """Return the @id of the clinic's MedicalClinic node: the publisher and the provider."""
    return f"{site.base_url}#clinic"


def clinic_data(site: SiteInfo) -> dict[str, Any]:
    """Return the clinic as schema.org's MedicalClinic, with the contact details the footer shows."""
    contact = site.contact
    return {
        "@type": "MedicalClinic",
        "@id": clinic_id(site),
        "name": site.name,
        "url": site.base_url,
        "telephone": contact.phone,
        "email": contact.email,
        "address": contact.address,
    }


def website_data(site: SiteInfo) -> dict[str, Any]:
    """Return the site as a WebSite node: search engines read the home page's for the site's name."""
    publisher = {"@id": clinic_id(site)}
    return {"@type": "WebSite", "@id": website_id(site), "url": site.base_url, "name": site.name, "inLanguage": site.language, "publisher": publisher}


def index_json_ld(site: SiteInfo) -> dict[str, Any]:
    """Return the index page's structured data: the WebSite and the clinic that publishes it."""
    return {"@context": "https://schema.org", "@graph": [website_data(site), clinic_data(site)]}


def review_data(review: ReviewBox | None) -> dict[str, Any]:
    """Return when a page was reviewed and changed, and by whom: from its sign-offs (see routes.review_box).

    lastReviewed is the last full sign-off, dateModified the latest one (a partial sign-off
    checks the changes made since). Nothing for a draft; only dateModified for the example's
    placeholder reviewer: no search engine is told a review happened that did not.
    """
    if review is None:
        return {}
    if review.reviewer.placeholder:
        return {"dateModified": review.modified.isoformat()}
    person = {"@type": "Person", "name": review.reviewer.name, "honorificSuffix": review.reviewer.credentials}
    return {"lastReviewed": review.reviewed.isoformat(), "dateModified": review.modified.isoformat(), "reviewedBy": person}


def source_data(source: Source) -> dict[str, Any]:
    """Return a source as a schema.org CreativeWork (ScholarlyArticle, Book, WebPage)."""
    data: dict[str, Any] = {"@type": KINDS[source.kind].schema_type, "name": source.title}
    link = source_url(source)
    if link:
        data["url"] = link  # the DOI when there is one: the most stable address
    return data


def _procedure(page: CitedTreatment, site: SiteInfo, answers: Sequence[str]) -> dict[str, Any]:
    overview = page.treatment.overview
    procedure: dict[str, Any] = {"@type": "MedicalProcedure", "name": overview.title}
    if overview.also_known_as:
        procedure["alternateName"] = list(overview.also_known_as)
    if overview.procedure_type:
        procedure["procedureType"] = PROCEDURE_TYPES[overview.procedure_type]
    procedure["provider"] = {"@id": clinic_id(site)}
    cautions = [answer for faq, answer in zip(page.treatment.faqs, answers, strict=True) if faq.contraindications]
    if cautions:  # the answers that say who should not have it, as the page words them
        procedure["contraindication"] = cautions
    return procedure


def source_json(source: Source) -> str:
    """Return a source's citation node (`source_data`) as JSON text safe in a script element: made once per source per build."""
    return json_text(source_data(source))


def treatment_json_ld(page: CitedTreatment, site: SiteInfo, url: str, review: ReviewBox | None, shown: ShownText, citations: Sequence[str]) -> Markup:
    """Return a treatment page's structured data as JSON text safe in a script element: its MedicalWebPage, the FAQPage part of it, and the clinic.

    The web page says who reviewed it and when, what it is about (a MedicalProcedure the
    clinic provides) and which sources it cites, in reference-list order (citations: each
    source's `source_json`); the FAQ page carries every question with its answer as plain
    text, as the page words it (shown).

    A page cites ~190 sources, each node the same on every page citing it: their text is
    made once per build and written into the page's (its web page's last member), the bytes
    json_script would make of the whole graph (tests/test_render.py holds the two together).
    """
    overview = page.treatment.overview
    faqs = f"{url}#faqs"
    web_page = {
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": overview.title,
        "description": shown.description,
        "inLanguage": site.language,
        "isPartOf": {"@id": website_id(site)},
        "publisher": {"@id": clinic_id(site)},
        **review_data(review),
        "about": _procedure(page, site, shown.answers),
        "hasPart": {"@id": faqs},
    }
    faq_page = {
        "@type": "FAQPage",
        "@id": faqs,
        "name": f"{overview.title}: questions people ask",
        "isPartOf": {"@id": url},
        "mainEntity": [
            {"@type": "Question", "name": faq.heading, "acceptedAnswer": {"@type": "Answer", "text": answer}}
            for faq, answer in zip(page.records["faqs"], shown.answers, strict=True)
        ],
    }
    web = f'{json_text(web_page)[:-1]},"citation":[{",".join(citations)}]}}'  # the object without its closing brace, then its citations
    return Markup(f'{{"@context":"https://schema.org","@graph":[{web},{json_text(faq_page)},{json_text(clinic_data(site))}]}}')


#: json.dumps(data, ensure_ascii=False, separators=(",", ":")) without making its encoder anew each call (~200 a build).
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_text(data: Any) -> str:
    """Return data as compact JSON with every '<' written \\u003c (see json_script)."""
    return _JSON.encode(data).replace("<", "\\u003c")


def json_script(data: Any) -> Markup:
    """Return data as JSON safe inside a <script> element.

    Every '<' is written \\u003c (the same character to a JSON parser), so no text from
    content can close the element ('</script>') or open a comment ('<!--') inside it.
    """
    return Markup(json_text(data))
