"""Render planned pages through the one Jinja environment over layouts/.

Undefined variables are errors and autoescaping is on for HTML and XML. A layout error
is reported at its template line, like a content error, instead of as a traceback.
Structured data (JSON-LD) is built here as Python values and serialised, never
templated by hand, so it is always valid JSON that cannot end its script element.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from clinicsite.citations import CitedClaim, CitedTreatment
from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.loader import display_path
from clinicsite.markup import render_inline
from clinicsite.model import Reviewer, SiteInfo, Source
from clinicsite.routes import LAYOUTS, Page

ASSETS = "assets"
#: English month names, independent of the machine's locale so builds are reproducible.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")

#: The pages' Content-Security-Policy: everything from this site only, no inline script, no
#: plugins. JSON-LD is a data block, never executed, so script-src does not apply to it.
#: (frame-ancestors is ignored in a meta element; a host that can should send it as a header.)
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'"

#: Schema.org's MedicalProcedureType member for each procedure_type of treatment.yaml.
PROCEDURE_TYPES = {
    "percutaneous": "https://schema.org/PercutaneousProcedure",
    "noninvasive": "https://schema.org/NoninvasiveProcedure",
    "surgical": "https://schema.org/SurgicalProcedure",
}
#: Source kinds that are journal articles; books and web pages have their own types.
ARTICLE_KINDS = {"systematic-review", "review", "clinical-trial", "clinical-study", "animal-study"}

KIND_LABELS = {
    "systematic-review": "Systematic review",
    "review": "Review",
    "clinical-trial": "Clinical trial",
    "clinical-study": "Clinical study",
    "animal-study": "Animal study",
    "guideline": "Guideline",
    "web-page": "Web page",
    "book": "Book",
}


@dataclass(frozen=True)
class File:
    """One output file: its path relative to the site folder and its bytes."""

    path: str
    content: bytes


def long_date(day: datetime.date) -> str:
    """Return a date as patients read it, e.g. 22 November 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


#: Name particles that belong to the surname: "Valerio De Vita" is "De Vita V".
SURNAME_PARTICLES = frozenset({"da", "das", "de", "del", "della", "der", "di", "dos", "du", "la", "le", "van", "von"})


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
    given = re.split(r"[\s.]+", " ".join(words[:split]))
    return f"{' '.join(words[split:])} {''.join(g[0].upper() for g in given if g)}"


def plain_text(claims: Iterable[CitedClaim]) -> str:
    """Return claims as one plain-text paragraph: Markdown rendered, then tags removed."""
    return " ".join(render_inline(c.text).striptags() for c in claims)


#: Search engines show about this many characters of a page's description.
DESCRIPTION_CHARS = 160


def description(claims: Iterable[CitedClaim]) -> str:
    """Return the page's meta description: the leading claims that fit DESCRIPTION_CHARS (at least one)."""
    texts = [render_inline(c.text).striptags() for c in claims]
    kept = texts[:1]
    for text in texts[1:]:
        if len(" ".join([*kept, text])) > DESCRIPTION_CHARS:
            break
        kept.append(text)
    return " ".join(kept)


def og_locale(language: str) -> str:
    """Return Open Graph's locale for a BCP 47 tag: en-GB -> en_GB, en -> en."""
    primary, *subtags = language.split("-")
    region = next((t for t in subtags if len(t) == 2 and t.isalpha()), None)
    return f"{primary.lower()}_{region.upper()}" if region else primary.lower()


def doi_url(source: Source) -> str | None:
    """Return the address of a source's DOI, if it has one."""
    return f"https://doi.org/{source.doi}" if source.doi else None


def pubmed_url(source: Source) -> str | None:
    """Return a source's PubMed page, if it has a PMID."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{source.pmid}/" if source.pmid else None


def _source_data(source: Source) -> dict[str, Any]:
    """Return a source as a schema.org CreativeWork (ScholarlyArticle, Book, WebPage)."""
    kind = "ScholarlyArticle" if source.kind in ARTICLE_KINDS else {"book": "Book", "web-page": "WebPage"}.get(source.kind, "CreativeWork")
    data: dict[str, Any] = {"@type": kind, "name": source.title}
    link = next((link for link in (doi_url(source), source.url, pubmed_url(source)) if link), None)
    if link:
        data["url"] = link  # the DOI when there is one: the most stable address
    return data


def treatment_json_ld(
    page: CitedTreatment, site: SiteInfo, url: str, reviewer: Reviewer, source_data: Callable[[Source], dict[str, Any]] = _source_data
) -> dict[str, Any]:
    """Return a treatment page's structured data: a MedicalWebPage and an FAQPage.

    The web page says who reviewed it and when, what it is about (a MedicalProcedure)
    and which sources it cites, in reference-list order; the FAQ page carries every
    question with its answer as plain text.
    """
    overview = page.treatment.overview
    procedure: dict[str, Any] = {"@type": "MedicalProcedure", "name": overview.title}
    if overview.also_known_as:
        procedure["alternateName"] = list(overview.also_known_as)
    if overview.procedure_type:
        procedure["procedureType"] = PROCEDURE_TYPES[overview.procedure_type]
    web_page = {
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": overview.title,
        "description": description(page.summary),
        "inLanguage": site.language,
        "isPartOf": {"@type": "WebSite", "name": site.name, "url": site.base_url},
        "lastReviewed": overview.reviewed.date.isoformat(),
        "reviewedBy": {"@type": "Person", "name": reviewer.name, "honorificSuffix": reviewer.credentials},
        "about": procedure,
        "citation": [source_data(ref.source) for ref in page.references],
    }
    faq_page = {
        "@type": "FAQPage",
        "@id": f"{url}#faqs",
        "name": f"{overview.title}: questions people ask",
        "inLanguage": site.language,
        "mainEntity": [{"@type": "Question", "name": faq.heading, "acceptedAnswer": {"@type": "Answer", "text": plain_text(faq.claims)}} for faq in page.faqs],
    }
    return {"@context": "https://schema.org", "@graph": [web_page, faq_page]}


def json_script(data: Any) -> Markup:
    """Return data as JSON safe inside a <script> element.

    Every '<' is written \\u003c (the same character to a JSON parser), so no text from
    content can close the element ('</script>') or open a comment ('<!--') inside it.
    """
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"))


#: Results the `each` filter keeps before it starts again: a synthetic site of 1,000
#: treatments makes about 13,000 distinct marks and back-links, most of them on the index.
EACH_MEMO_LIMIT = 100_000


class _OnceFor:
    """The `once_for` filter: `macro | once_for(value)` calls macro(value) once per value.

    A page cites most of the bibliography, so without it each source's reference entry
    would be formatted again on every page. Macros are pure, so the first result stands;
    macro and value are kept with it, so their ids cannot be reused while it is kept.
    """

    def __init__(self) -> None:
        self.made: dict[tuple[int, int], tuple[Any, Any, Any]] = {}

    def clear(self) -> None:
        self.made.clear()

    def __call__(self, macro: Any, value: Any) -> Any:
        key = (id(macro), id(value))
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = (macro, value, macro(value))
        return found[2]


class _Each:
    """The `each` filter: `macro | each(items, *args)` joins macro(item, *args) for every item.

    A treatment page has hundreds of citation marks and back-links, and a Jinja macro call
    costs microseconds; every page numbers its sources from 1, so the same calls recur page
    after page. Each distinct call is made once and its result reused. That rests on the
    macro depending on its arguments only: pass macros of a partial (imported without
    context, they see nothing else but the environment's globals) and hashable values.
    A macro defined in the page's own layout is made anew for each page: still correct,
    only not reused. At EACH_MEMO_LIMIT results the memo starts again.
    """

    def __init__(self) -> None:
        self.made: dict[tuple[Any, ...], dict[Any, Any]] = {}
        self.results = 0

    def clear(self) -> None:
        self.made.clear()
        self.results = 0

    def __call__(self, macro: Any, items: Iterable[Any], *args: Any) -> Markup:
        if self.results >= EACH_MEMO_LIMIT:
            self.clear()
        key = (macro, args)
        calls = self.made.get(key)
        if calls is None:
            calls = self.made[key] = {}
        out = []
        for item in items:
            html = calls.get(item)
            if html is None:
                html = calls[item] = macro(item, *args)
                self.results += 1
            out.append(html)
        return Markup("".join(out))


def make_environment(layouts: Path) -> jinja2.Environment:
    """Return the Jinja environment: strict, autoescaping, with our filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(layouts),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        inline=render_inline,
        long_date=long_date,
        vancouver_author=vancouver_author,
        kind_label=KIND_LABELS.__getitem__,
        plain=plain_text,
        description=description,
        og_locale=og_locale,
        json_script=json_script,
        doi_url=doi_url,
        pubmed_url=pubmed_url,
        once_for=(once_for := _OnceFor()),
        each=_Each(),
    )
    source_data = functools.partial(once_for, _source_data)
    env.globals.update(csp=Markup(CSP), treatment_json_ld=functools.partial(treatment_json_ld, source_data=source_data))
    return env


def fresh_memos(env: jinja2.Environment) -> jinja2.Environment:
    """Return env with its memos emptied, for another build: they keep nothing of the last build's values.

    The memos are the once_for and each filters; once_for also keeps each source's structured
    data (a page cites most of the bibliography), which is never changed once made. They are
    emptied, not replaced: a partial's module, kept by the environment, holds on to the filter
    it first saw.
    """
    env.filters["once_for"].clear()
    env.filters["each"].clear()
    return env


def _layout_location(exc: BaseException, layouts: Path) -> Location:
    """Return the innermost template line of exc (Jinja rewrites tracebacks to templates)."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Location(display_path(Path(exc.filename)), exc.lineno or 1)
    root = layouts.resolve()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve().is_relative_to(root)]
    if frames:
        return Location(display_path(Path(frames[-1].filename)), frames[-1].lineno or 1)
    return Location(display_path(layouts))


def render_page(env: jinja2.Environment, page: Page, layouts: Path) -> File | Diagnostic:
    """Return the page rendered, or the layout error that stopped it."""
    try:
        text = env.get_template(page.layout).render(page.context)
    except jinja2.TemplateNotFound as exc:
        return error(Location(display_path(layouts / page.layout)), "layout-error", f"layout '{exc.name}' not found in {display_path(layouts)}")
    except Exception as exc:  # any template bug: report it at its line, keep rendering others
        message = f"{type(exc).__name__}: {exc} (while rendering {page.path})"
        return error(_layout_location(exc, layouts), "layout-error", message)
    return File(page.path, text.encode("utf-8"))


def compile_layouts(env: jinja2.Environment, layouts: Path) -> list[Diagnostic]:
    """Return the errors found compiling every layout and partial (not the assets), rendering nothing."""
    names = env.list_templates()
    problems = [
        error(Location(display_path(layouts / name)), "layout-error", f"the layout '{name}' is missing; every site needs it: restore it from the project")
        for name in LAYOUTS
        if name not in names
    ]
    for name in (n for n in names if not n.startswith(f"{ASSETS}/") and n.endswith((".html", ".xml", ".txt"))):
        try:
            env.get_template(name)
        except Exception as exc:  # a syntax error, or a file that is not UTF-8
            problems.append(error(_layout_location(exc, layouts), "layout-error", f"{type(exc).__name__}: {exc}"))
    return problems


def render_assets(layouts: Path) -> list[File]:
    """Return the layout assets (CSS) as files, copied unchanged."""
    folder = layouts / ASSETS
    paths = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return [File(p.relative_to(layouts).as_posix(), p.read_bytes()) for p in paths]


def render_pages(pages: tuple[Page, ...], layouts: Path) -> tuple[tuple[File, ...], list[Diagnostic]]:
    """Return the rendered files (pages, then layout assets) and any layout errors."""
    env = make_environment(layouts)
    files: list[File] = []
    problems: list[Diagnostic] = []
    for page in pages:
        result = render_page(env, page, layouts)
        (files if isinstance(result, File) else problems).append(result)  # type: ignore[arg-type]
    return tuple(files + render_assets(layouts)), problems
