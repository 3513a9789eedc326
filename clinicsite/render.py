"""Render planned pages through the one Jinja environment over layouts/.

Undefined variables are errors and autoescaping is on for HTML and XML. A layout error
is reported at its template line, like a content error, instead of as a traceback.
Structured data (JSON-LD) comes from structured.py, Vancouver text from references.py;
this module hands them to the layouts as filters and globals.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from clinicsite.assets import ASSETS, read_assets
from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.loader import display_path
from clinicsite.markup import render_inline
from clinicsite.references import doi_url, publication, pubmed_url, vancouver_author
from clinicsite.routes import LAYOUTS, Page
from clinicsite.source_kinds import KINDS
from clinicsite.structured import description, index_json_ld, json_script, plain_text, source_data, treatment_json_ld

#: Hex digits of an asset's SHA-256 in its published name: enough that two versions never share one.
ASSET_HASH_CHARS = 10
#: English month names, independent of the machine's locale so builds are reproducible.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")

#: The pages' Content-Security-Policy: everything from this site only, no inline script, no
#: plugins. JSON-LD is a data block, never executed, so script-src does not apply to it.
#: (frame-ancestors is ignored in a meta element; a host that can should send it as a header.)
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'"


@dataclass(frozen=True)
class File:
    """One output file: its path relative to the site folder and its bytes."""

    path: str
    content: bytes


def long_date(day: datetime.date) -> str:
    """Return a date as patients read it, e.g. 22 November 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def og_locale(language: str) -> str:
    """Return Open Graph's locale for a BCP 47 tag: en-GB -> en_GB, en -> en."""
    primary, *subtags = language.split("-")
    region = next((t for t in subtags if len(t) == 2 and t.isalpha()), None)
    return f"{primary.lower()}_{region.upper()}" if region else primary.lower()


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
        kind_label=lambda kind: KINDS[kind].label,
        plain=plain_text,
        description=description,
        og_locale=og_locale,
        json_script=json_script,
        doi_url=doi_url,
        pubmed_url=pubmed_url,
        publication=publication,
        once_for=(once_for := _OnceFor()),
        each=_Each(),
    )
    cite = functools.partial(once_for, source_data)
    env.globals.update(csp=Markup(CSP), treatment_json_ld=functools.partial(treatment_json_ld, cite=cite), index_json_ld=index_json_ld)
    env.globals["assets"] = asset_names(layouts)  # the environment is made anew when layouts/ changes (pipeline)
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


def hashed_name(name: str, content: bytes) -> str:
    """Return an asset's published name with a hash of its bytes: assets/site.css -> assets/site.1a2b3c4d5e.css.

    A changed stylesheet gets a new address, so a host may let browsers keep each one for a
    year (see layouts/_headers) and no page is ever shown with a stale stylesheet.
    """
    stem, dot, suffix = name.rpartition(".")
    tag = hashlib.sha256(content).hexdigest()[:ASSET_HASH_CHARS]
    return f"{stem}.{tag}.{suffix}" if dot else f"{name}.{tag}"


def render_assets(layouts: Path) -> tuple[list[File], list[Diagnostic]]:
    """Return the layout assets (CSS) as files, their bytes unchanged, under hashed names, and the links refused (see assets.py)."""
    found, problems = read_assets(layouts)
    return [File(hashed_name(name, content), content) for name, content in found], problems


def asset_names(layouts: Path) -> dict[str, str]:
    """Return each asset's published name by its name under layouts/, for the layouts' links: assets['assets/site.css']."""
    return {name: hashed_name(name, content) for name, content in read_assets(layouts)[0]}


def render_pages(pages: tuple[Page, ...], layouts: Path) -> tuple[tuple[File, ...], list[Diagnostic]]:
    """Return the rendered files (pages, then layout assets) and any layout errors."""
    env = make_environment(layouts)
    files: list[File] = []
    problems: list[Diagnostic] = []
    for page in pages:
        result = render_page(env, page, layouts)
        (files if isinstance(result, File) else problems).append(result)  # type: ignore[arg-type]
    assets, refused = render_assets(layouts)
    return tuple(files + assets), problems + refused
