"""The only module that knows the order of the stages and when to stop.

`check` runs every stage in memory; `build` is `check` plus writing, and writes only
when there are no errors. A file that did not load is not validated; an invalid site
is not rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clinicsite.citations import number_citations
from clinicsite.diagnostics import Diagnostic, sort_diagnostics
from clinicsite.loader import load_content
from clinicsite.model import Site
from clinicsite.output import WriteResult, write_site
from clinicsite.render import File, render_pages
from clinicsite.routes import plan_pages
from clinicsite.validate import validate_content

#: The layouts shipped with the project, used unless --layouts names others.
DEFAULT_LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


@dataclass(frozen=True)
class Outcome:
    """What a run found and made."""

    diagnostics: tuple[Diagnostic, ...]
    site: Site | None
    files: tuple[File, ...]
    written: WriteResult | None = None

    @property
    def errors(self) -> int:
        """Return how many diagnostics are errors."""
        return sum(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        """Return how many diagnostics are warnings."""
        return sum(d.severity == "warning" for d in self.diagnostics)


def check(content: Path, layouts: Path = DEFAULT_LAYOUTS, dev: bool = False) -> Outcome:
    """Return every problem in content and layouts, rendering in memory, writing nothing.

    dev renders for the preview server (see render.DEV_CSP); a site to deploy is built without it.
    """
    tree, problems = load_content(content)
    site, found = validate_content(tree)
    problems += found
    files: tuple[File, ...] = ()
    if site is not None:
        files, found = render_pages(plan_pages(number_citations(site)), layouts, dev)
        problems += found
    return Outcome(sort_diagnostics(problems), site, files)


def build(content: Path, out: Path, layouts: Path = DEFAULT_LAYOUTS, dev: bool = False) -> Outcome:
    """Return the outcome of check, having written the site to out when it found no error.

    Raises OutputError when the site could not be written; out is then unchanged.
    """
    outcome = check(content, layouts, dev)
    if outcome.errors or outcome.site is None:
        return outcome
    written = write_site(outcome.files, out, protected=(content, layouts))
    return Outcome(outcome.diagnostics, outcome.site, outcome.files, written)
