"""Render planned pages through the one Jinja environment over layouts/.

Undefined variables are errors and autoescaping is on for HTML and XML. A layout error
is reported at its template line, like a content error, instead of as a traceback.
"""

from __future__ import annotations

import datetime
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.loader import display_path
from clinicsite.markup import render_inline
from clinicsite.routes import Page

ASSETS = "assets"
#: English month names, independent of the machine's locale so builds are reproducible.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")

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


def vancouver_author(name: str) -> str:
    """Return a personal name as Vancouver's 'Surname Initials'; organisations unchanged.

    A name of more than four words, or with a lowercase word that is not a surname
    particle (of, and, for), is taken as an organisation: "U.S. Food and Drug
    Administration" stays as written. A particle starts the surname.
    """
    words = name.split()
    if len(words) < 2 or len(words) > 4 or any(w[0].islower() and w not in SURNAME_PARTICLES for w in words):
        return name
    split = next((i for i, w in enumerate(words[1:-1], 1) if w.lower() in SURNAME_PARTICLES), len(words) - 1)
    given = re.split(r"[\s.]+", " ".join(words[:split]))
    return f"{' '.join(words[split:])} {''.join(g[0].upper() for g in given if g)}"


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
    env.filters.update(inline=render_inline, long_date=long_date, vancouver_author=vancouver_author, kind_label=KIND_LABELS.__getitem__)
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


def _render_page(env: jinja2.Environment, page: Page, layouts: Path) -> File | Diagnostic:
    try:
        text = env.get_template(page.layout).render(page.context)
    except jinja2.TemplateNotFound as exc:
        return error(Location(display_path(layouts / page.layout)), "layout-error", f"layout '{exc.name}' not found in {display_path(layouts)}")
    except Exception as exc:  # any template bug: report it at its line, keep rendering others
        message = f"{type(exc).__name__}: {exc} (while rendering {page.path})"
        return error(_layout_location(exc, layouts), "layout-error", message)
    return File(page.path, text.encode("utf-8"))


def _assets(layouts: Path) -> list[File]:
    folder = layouts / ASSETS
    paths = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return [File(p.relative_to(layouts).as_posix(), p.read_bytes()) for p in paths]


def render_pages(pages: tuple[Page, ...], layouts: Path) -> tuple[tuple[File, ...], list[Diagnostic]]:
    """Return the rendered files (pages, then layout assets) and any layout errors."""
    env = make_environment(layouts)
    files: list[File] = []
    problems: list[Diagnostic] = []
    for page in pages:
        result = _render_page(env, page, layouts)
        (files if isinstance(result, File) else problems).append(result)  # type: ignore[arg-type]
    return tuple(files + _assets(layouts)), problems
