"""The only module that knows the order of the stages and when to stop.

`check` validates the content and compiles the layouts; `render_site` also renders every
page in memory; `build` is `render_site` plus writing, and writes only when there are no
errors. A file that did not load is not validated; an invalid site is not rendered.

Like MkDocs' `build()`, a run has three parts. The site-wide files are loaded and
validated first (`_site_wide`). Treatments are independent until the index and the
sitemap, so each folder then goes through load, validate, cite and render on its own
(`build_treatment`, a pure function of the folder and the site-wide inputs); how the
folders are run (in turn, in worker processes, or from the preview's cache) is
clinicsite.runner's choice alone, and gives the same results. Last, the results are
put together: the rules only the whole site shows (validate.site_problems), the index
and the other site pages, the assets, and the write.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from clinicsite.cache import BuildCache, digest, site_files, tree_digest
from clinicsite.citations import cite_treatment
from clinicsite.clinic import SiteInfo
from clinicsite.diagnostics import Diagnostic, sort_diagnostics
from clinicsite.incremental import rewrite_site
from clinicsite.loader import ContentTree, FolderBytes, load_treatment, treatment_folders
from clinicsite.output import Stage, WriteResult, lock
from clinicsite.readability import SectionGrade, reading_problems, section_grades
from clinicsite.render import File, Renderer, compile_layouts, make_environment, render_assets, render_page
from clinicsite.routes import Listing, listing, site_pages, treatment_page
from clinicsite.runner import keep, run_treatments
from clinicsite.target import refuse_unsafe
from clinicsite.validate import SiteFacts, cited_sources, placeholder_sign_offs, publish_problems, site_problems, validate_treatment

#: The layouts shipped with the project, used unless --layouts names others.
DEFAULT_LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


@dataclass(frozen=True)
class Outcome:
    """What a run found and made; the same whichever way its treatments were run."""

    diagnostics: tuple[Diagnostic, ...]
    files: tuple[File, ...] = ()
    """Every file of the site rendered in memory; none from a build without a cache, which writes each as it is made."""
    written: WriteResult | None = None
    counts: tuple[int, int] | None = None
    """(treatments, sources) of a site without errors."""
    info: SiteInfo | None = None
    """The validated site.yaml of a site without errors."""
    slugs: tuple[str, ...] = ()
    """The treatments of a site without errors, in the order built."""
    grades: tuple[SectionGrade, ...] = ()
    """The reading level of each section of every valid treatment."""

    @property
    def errors(self) -> int:
        """Return how many diagnostics are errors."""
        return sum(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        """Return how many diagnostics are warnings."""
        return sum(d.severity == "warning" for d in self.diagnostics)


@dataclass(frozen=True)
class TreatmentResult:
    """What one treatment folder's stages produced: small, so a worker process can send it back."""

    slug: str
    problems: tuple[Diagnostic, ...]
    state: Literal["refused", "invalid", "valid"]
    """refused: the folder itself was (bad slug); invalid: a file is missing or did not validate."""
    cited: frozenset[str] = frozenset()
    listing: Listing | None = None
    page: File | Diagnostic | None = None
    """The rendered page, or the layout error that stopped it; None when not rendered, or once written into a build's stage."""
    grades: tuple[SectionGrade, ...] = ()


@dataclass(frozen=True)
class SiteWide:
    """What every treatment of one run is made against: the site-wide facts, the layouts, the run's options."""

    root: Path
    facts: SiteFacts
    render: bool
    """False for check, and when the site-wide files already have errors: pages would be thrown away."""
    env: Renderer
    layouts: Path
    drafts: bool = False
    """Preview builds: a page changed since its sign-off renders as a draft instead of failing."""
    publish: bool = False
    """The deploy build: placeholder clinic details and placeholder reviewers' sign-offs are errors."""


#: What a draft may lack: in a preview build these are warnings, and the page carries the draft banner.
DRAFT_RULES = frozenset({"review-stale", "review-missing"})


def _as_drafts(problems: list[Diagnostic]) -> list[Diagnostic]:
    return [dataclasses.replace(p, severity="warning") if p.rule in DRAFT_RULES and p.severity == "error" else p for p in problems]


def build_treatment(folder: Path, site: SiteWide, read: FolderBytes | None = None) -> TreatmentResult:
    """Return one treatment folder loaded, validated and, when it and the site are valid, rendered.

    read: the folder's bytes as already read (to key a cache on them); read now when None.
    """
    files, problems = load_treatment(folder, site.root, read)
    if files is None:
        return TreatmentResult(folder.name, tuple(problems), "refused")
    treatment, found = validate_treatment(files, site.facts)
    problems += _as_drafts(found) if site.drafts else found
    if treatment is None:
        return TreatmentResult(folder.name, tuple(problems), "invalid")
    info, sources = site.facts.info, site.facts.sources
    if site.publish and info is not None:
        problems += placeholder_sign_offs(treatment, files, info)
    cited, grades = frozenset(cited_sources(treatment)), section_grades(treatment, files.documents)
    problems += reading_problems(grades, files.documents, info.reading_grade) if info is not None else []
    if not site.render or info is None or sources is None or any(p.severity == "error" for p in problems):
        return TreatmentResult(folder.name, tuple(problems), "valid", cited, grades=grades)
    page = cite_treatment(treatment, sources)
    rendered = render_page(site.env, treatment_page(info, page), site.layouts)
    return TreatmentResult(folder.name, tuple(problems), "valid", cited, listing(page), rendered, grades)


def _environment(layouts: Path, cache: BuildCache | None) -> tuple[Renderer, bytes]:
    """Return this build's renderer over the Jinja environment (with a cache, its own while the layouts are unchanged) and the layouts' hash."""
    if cache is None:
        return Renderer(make_environment(layouts)), b""
    key = digest([str(layouts.absolute()), tree_digest(layouts)])
    env = cache.environments.get(key) or make_environment(layouts)
    cache.environments.put(key, env)
    cache.environments.forget_unused()
    return Renderer(env), key


def _shared_key(tree: ContentTree, layouts_key: bytes, site: SiteWide) -> bytes:
    """Return a hash of what a treatment's result depends on besides its folder; site files as the loader read them (not again)."""
    parts: list[bytes | str] = [str(tree.root.absolute()), str(Path.cwd()), site.facts.today.isoformat(), str(site.render), str(site.drafts)]
    parts += [layouts_key, str(tree.policy_failed), str(site.publish)]
    return digest([*parts, *(tree.read.contents() if tree.read is not None else [])])


def _site_wide(
    content: Path, layouts: Path, today: datetime.date | None, cache: BuildCache | None, render: bool, drafts: bool, publish: bool
) -> tuple[SiteWide, ContentTree, list[Path], list[Diagnostic], bytes]:
    """Return what every treatment is made against, the site-wide files, the treatment folders, their problems and the cache key."""
    tree, facts, problems = site_files(content, today, cache.site if cache is not None else None)
    problems += publish_problems(tree, facts) if publish else []
    folders, found = treatment_folders(content)
    problems += found
    env, layouts_key = _environment(layouts, cache)
    if render:  # compiled once, here: forked workers inherit the compiled layouts instead of each compiling
        compile_layouts(env, layouts)  # them again; a render reports a broken layout at each page that uses it
    site = SiteWide(content, facts, render and not any(p.severity == "error" for p in problems), env, layouts, drafts, publish)
    if cache is None:
        return site, tree, folders, problems, b""
    key = _shared_key(tree, layouts_key, site)
    return dataclasses.replace(site, env=cache.renderer(key, env)), tree, folders, problems, key


def _render_site_pages(site: SiteWide, listings: tuple[Listing, ...]) -> tuple[File | Diagnostic, tuple[File | Diagnostic, ...]]:
    assert site.facts.info is not None
    index, tail = site_pages(site.facts.info, listings)
    return render_page(site.env, index, site.layouts), tuple(render_page(site.env, page, site.layouts) for page in tail)


def _site_files(site: SiteWide, results: list[TreatmentResult], cache: BuildCache | None, key: bytes) -> tuple[list[File], list[Diagnostic]]:
    """Return every file of a valid site, in order (index, treatments, 404, sitemap, robots, assets), and layout errors."""
    listings = tuple(r.listing for r in results if r.listing is not None)
    if cache is None:
        index, tail = _render_site_pages(site, listings)
    else:  # an edit that leaves every listing as it was leaves these pages as they were
        index, tail = cache.site_pages(key, listings, lambda: _render_site_pages(site, listings))
    rendered = [index, *(r.page for r in results if r.page is not None), *tail]
    files = [r for r in rendered if isinstance(r, File)]
    assets, refused = render_assets(site.layouts)
    return files + assets, [r for r in rendered if isinstance(r, Diagnostic)] + refused


def _outcome(site: SiteWide, tree: ContentTree, results: list[TreatmentResult], problems: list[Diagnostic], cache: BuildCache | None, key: bytes) -> Outcome:
    """Return the run's outcome from every treatment's result: the site-wide rules applied, the site pages rendered."""
    problems += [p for r in results for p in r.problems]
    problems += site_problems(tree, site.facts, None if any(r.state == "invalid" for r in results) else [r.cited for r in results])
    facts, grades = site.facts, tuple(g for r in results for g in r.grades)
    if facts.info is None or facts.sources is None or any(p.severity == "error" for p in problems):
        return Outcome(sort_diagnostics(problems), grades=grades)
    valid = Outcome(sort_diagnostics(problems), counts=(len(results), len(facts.sources)), info=facts.info, slugs=tuple(r.slug for r in results), grades=grades)
    if not site.render:
        return valid
    files, found = _site_files(site, results, cache, key)
    return dataclasses.replace(valid, diagnostics=sort_diagnostics(problems + found), files=tuple(files))


def _writer(stage: Stage) -> Callable[[TreatmentResult], TreatmentResult]:
    """Return what writes each treatment's page into stage as it arrives and keeps the result without the page's bytes.

    A thousand pages held until the swap would be the build's largest memory cost.
    """

    def write(result: TreatmentResult) -> TreatmentResult:
        if not isinstance(result.page, File):
            return result
        stage.add(result.page)
        return dataclasses.replace(result, page=None)

    return write


def _stages(
    content: Path,
    layouts: Path,
    today: datetime.date | None,
    cache: BuildCache | None,
    render: bool,
    drafts: bool = False,
    publish: bool = False,
    stage: Stage | None = None,
) -> Outcome:
    """Return the outcome of a run; with a stage, each treatment's page is written there as soon as it is made."""
    site, tree, folders, problems, key = _site_wide(content, layouts, today, cache, render, drafts, publish)
    arrived = _writer(stage) if stage is not None else keep
    memo = (cache.results, cache.reads) if cache is not None else None
    # check reports the layouts' syntax errors: found here while the workers check the treatments
    meanwhile = None if render else lambda: problems.extend(compile_layouts(site.env, layouts))
    results = run_treatments(folders, content, lambda folder, read: build_treatment(folder, site, read), memo, key, arrived, meanwhile)
    return _outcome(site, tree, results, problems, cache, key)


def check(content: Path, layouts: Path = DEFAULT_LAYOUTS, today: datetime.date | None = None) -> Outcome:
    """Return every problem in content, and the layouts' syntax errors; render nothing, write nothing.

    today is the date review freshness is judged on (default: the real today). An error a
    layout makes only while rendering (an undefined variable) is found by render_site and build.
    """
    return _stages(content, layouts, today, None, render=False)


def render_site(
    content: Path, layouts: Path = DEFAULT_LAYOUTS, today: datetime.date | None = None, cache: BuildCache | None = None, drafts: bool = False
) -> Outcome:
    """Return check's problems plus layout errors, and every file of the site rendered in memory.

    cache, kept by a long-running process, lets unchanged treatments be taken from the last run.
    drafts: pages changed since their sign-off render as drafts (banner, noindex, not in the sitemap).
    """
    return _stages(content, layouts, today, cache, render=True, drafts=drafts)


def build(
    content: Path,
    out: Path,
    layouts: Path = DEFAULT_LAYOUTS,
    today: datetime.date | None = None,
    cache: BuildCache | None = None,
    drafts: bool = False,
    publish: bool = False,
) -> Outcome:
    """Return the outcome of check, having written the site to out when it found no error.

    With a cache, files unchanged since its last write are linked from out, not written
    again. Raises OutputError when the site could not be written; out is then unchanged.
    drafts: as for render_site (the preview server and pull-request previews). publish: the
    deploy build, which refuses placeholder clinic details and placeholder reviewers' sign-offs.
    """
    refuse_unsafe(out, (content, layouts))  # before the content's errors, which would hide this one
    if cache is not None:  # the preview: links what its last write left, so it writes once everything is made
        outcome = _stages(content, layouts, today, cache, render=True, drafts=drafts, publish=publish)
        if outcome.errors or outcome.counts is None:
            return outcome
        with lock(out):
            written, cache.written = rewrite_site(outcome.files, out, (content, layouts), cache.written)
        return dataclasses.replace(outcome, written=written)
    # Pages are written as they arrive, while the workers make the next: written at the end,
    # the parent's writing would be a serial tail of the build. Locked from the stage's making to the swap.
    with lock(out), Stage(out, (content, layouts)) as stage:
        outcome = _stages(content, layouts, today, None, render=True, drafts=drafts, publish=publish, stage=stage)
        if outcome.errors or outcome.counts is None:
            return outcome  # leaving the block removes the stage
        # the treatments' pages are in the stage already; the outcome keeps no file's bytes
        return dataclasses.replace(outcome, files=(), written=stage.complete(outcome.files))
