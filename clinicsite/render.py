"""Render planned pages through the one Jinja environment over layouts/.

Undefined variables are errors and autoescaping is on for HTML and XML. A layout error
is reported at its template line, like a content error, instead of as a traceback.
A page's cited values are presented first (presentation.py: each claim's HTML, each
source's entry made once); structured data (JSON-LD) comes from structured.py, Vancouver
text from references.py, handed to the layouts as filters and globals. The compiled
layouts escape what they write with `_write` (markupsafe.escape's result, for less).
"""

from __future__ import annotations

import datetime
import hashlib
import traceback
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from markupsafe import Markup, escape

try:
    from markupsafe._speedups import _escape_inner  # the C function markupsafe.escape calls
except ImportError:  # a markupsafe installed without its C extension: its own fallback, as markupsafe.escape does
    from markupsafe._native import _escape_inner

from clinicsite.assets import ASSETS, read_assets
from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.loader import display_path
from clinicsite.markup import render_inline
from clinicsite.presentation import Presenter
from clinicsite.references import doi_url, publication, pubmed_url, vancouver_author
from clinicsite.routes import LAYOUTS, Page
from clinicsite.source_kinds import KINDS
from clinicsite.structured import index_json_ld, json_script

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


#: Markup of text already escaped: str's constructor (Markup's looks for __html__ again).
_escaped = partial(str.__new__, Markup)


def _write(value: Any) -> Any:
    """Return a value as a layout writes it, escaped: what markupsafe.escape returns, made for less.

    A page writes ~1,200 values, half of them Markup made by the presentation step (a
    claim's HTML, its marks, a reference entry) and a quarter numbers: markupsafe.escape
    would copy each Markup through three Python calls (its __html__, Markup's constructor)
    and escape a number's digits. Here a Markup is written as it is, a number's digits as
    they are, and text escaped by markupsafe's own C function.
    """
    kind = type(value)
    if kind is Markup:
        return value
    if kind is str:
        return _escaped(_escape_inner(value))
    if kind is int:
        return _escaped(str(value))
    return escape(value)


class _Template(jinja2.Template):
    """A layout whose written values are escaped by `_write`, not markupsafe.escape (the same text, cheaper)."""

    @classmethod
    def from_code(
        cls, environment: jinja2.Environment, code: CodeType, globals: MutableMapping[str, Any], uptodate: Callable[[], bool] | None = None
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # the compiled layout's module namespace: its render, block and macro functions look `escape` up there when called
        template.root_render_func.__globals__["escape"] = _write
        return template


def make_environment(layouts: Path) -> jinja2.Environment:
    """Return the Jinja environment: strict, autoescaping, with our filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(layouts),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # never stat a layout per page: a changed layouts/ gets a new environment (pipeline)
    )
    env.template_class = _Template
    env.filters.update(
        inline=render_inline,
        long_date=long_date,
        vancouver_author=vancouver_author,
        kind_label=lambda kind: KINDS[kind].label,
        og_locale=og_locale,
        json_script=json_script,
        doi_url=doi_url,
        pubmed_url=pubmed_url,
        publication=publication,
    )
    env.globals.update(csp=Markup(CSP), index_json_ld=index_json_ld)
    env.globals["assets"] = asset_names(layouts)  # the environment is made anew when layouts/ changes (pipeline)
    return env


class Renderer:
    """One build's rendering: the environment (a preview server keeps it while layouts/ is unchanged) and this build's presentation.

    Made anew for every build, or kept by a preview server while the site-wide inputs are
    unchanged, so what the presentation step keeps (each source's entry, each mark) is of
    those values.
    """

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.presenter = Presenter(env)


def _layout_location(exc: BaseException, layouts: Path) -> Location:
    """Return the innermost template line of exc (Jinja rewrites tracebacks to templates)."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Location(display_path(Path(exc.filename)), exc.lineno or 1)
    root = layouts.resolve()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve().is_relative_to(root)]
    if frames:
        return Location(display_path(Path(frames[-1].filename)), frames[-1].lineno or 1)
    return Location(display_path(layouts))


def render_page(renderer: Renderer, page: Page, layouts: Path) -> File | Diagnostic:
    """Return the page presented and rendered, or the layout error that stopped it."""
    try:
        text = renderer.env.get_template(page.layout).render(renderer.presenter.context(page.context))
    except jinja2.TemplateNotFound as exc:
        return error(Location(display_path(layouts / page.layout)), "layout-error", f"layout '{exc.name}' not found in {display_path(layouts)}")
    except Exception as exc:  # any template bug: report it at its line, keep rendering others
        message = f"{type(exc).__name__}: {exc} (while rendering {page.path})"
        return error(_layout_location(exc, layouts), "layout-error", message)
    return File(page.path, text.encode("utf-8"))


def compile_layouts(renderer: Renderer, layouts: Path) -> list[Diagnostic]:
    """Return the errors found compiling every layout and partial (not the assets), rendering nothing."""
    env = renderer.env
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
