"""The only module that knows the order of the stages and when to stop.

`check` validates the content and compiles the layouts; `render_site` also renders every
page in memory; `build` is `render_site` plus writing, and writes only when there are no
errors. A file that did not load is not validated; an invalid site
is not rendered.

Treatments are independent until the index and the sitemap, so each treatment folder
goes through load, validate, cite, plan and render on its own (`_treatment`), against the
site-wide facts validated first. Large sites share that work across processes; the
preview server remembers each result by a hash of its inputs (clinicsite.cache). All
three ways run the same function, so they give the same files and diagnostics.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import multiprocessing
import os
import pickle
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from clinicsite.cache import BuildCache, digest, tree_digest
from clinicsite.citations import cite_treatment
from clinicsite.diagnostics import Diagnostic, sort_diagnostics
from clinicsite.loader import ContentTree, FolderBytes, load_site_files, load_treatment, read_treatment, treatment_folders
from clinicsite.model import Site, Treatment
from clinicsite.output import Staged, WriteResult, lock, open_stage, put, write_site
from clinicsite.readability import SectionGrade, reading_problems, section_grades
from clinicsite.render import File, Renderer, compile_layouts, make_environment, render_assets, render_page
from clinicsite.routes import Listing, listing, site_pages, treatment_page
from clinicsite.target import refuse_unsafe
from clinicsite.validate import SiteFacts, cited_sources, placeholder_sign_offs, publish_problems, unused_sources, validate_site_files, validate_treatment

#: The layouts shipped with the project, used unless --layouts names others.
DEFAULT_LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
#: From this many treatments on, the work is shared across processes (on Linux, by fork).
PARALLEL_FROM = 50
#: Treatments handed to a worker at a time: small enough to keep both cores busy to the end.
CHUNK = 10


@dataclass(frozen=True)
class Outcome:
    """What a run found and made."""

    diagnostics: tuple[Diagnostic, ...]
    site: Site | None
    """The validated site; None when it has errors, or when worker processes validated its treatments."""
    files: tuple[File, ...]
    written: WriteResult | None = None
    staged: tuple[Path, tuple[Staged, ...]] | None = None
    """A big build's stage and the pages its worker processes wrote there; the rest are in files."""
    counts: tuple[int, int] | None = None
    """(treatments, sources) of a site without errors."""
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
    """What one treatment folder's stages produced: small, so a worker can send it back."""

    problems: tuple[Diagnostic, ...]
    state: Literal["refused", "invalid", "valid"]
    """refused: the folder itself was (bad slug); invalid: a file is missing or did not validate."""
    cited: frozenset[str] = frozenset()
    listing: Listing | None = None
    page: File | Staged | Diagnostic | None = None
    """The rendered page (Staged once a worker wrote it), or its layout error; None when not rendered."""
    treatment: Treatment | None = None
    """Kept in this process only; None when the result came from a worker."""
    grades: tuple[SectionGrade, ...] = ()


@dataclass(frozen=True)
class _Job:
    """What every treatment is made against."""

    root: Path
    facts: SiteFacts
    render: bool
    """False when the site-wide files already have errors: pages would be thrown away."""
    env: Renderer
    layouts: Path
    key: bytes = b""
    """With a cache: a hash of all of the above, which a treatment's result depends on."""
    stage: Path | None = None
    """Where worker processes write the pages they render (build, big sites, no cache)."""
    drafts: bool = False
    """Preview builds: a page changed since its sign-off renders as a draft instead of failing."""
    publish: bool = False
    """The deploy build: placeholder clinic details and placeholder reviewers' sign-offs are errors."""
    reads: dict[Path, FolderBytes] = dataclasses.field(default_factory=dict)
    """With a cache: each treatment folder as read for its key."""


#: What a draft may lack: in a preview build these are warnings, and the page carries the draft banner.
DRAFT_RULES = frozenset({"review-stale", "review-missing"})


def _as_drafts(problems: list[Diagnostic]) -> list[Diagnostic]:
    return [dataclasses.replace(p, severity="warning") if p.rule in DRAFT_RULES and p.severity == "error" else p for p in problems]


def _treatment(folder: Path, job: _Job) -> TreatmentResult:
    """Return one treatment folder loaded, validated and, when it and the site are valid, rendered."""
    files, problems = load_treatment(folder, job.root, job.reads.get(folder))
    if files is None:
        return TreatmentResult(tuple(problems), "refused")
    treatment, found = validate_treatment(files, job.facts)
    problems += _as_drafts(found) if job.drafts else found
    if treatment is None:
        return TreatmentResult(tuple(problems), "invalid")
    if job.publish and job.facts.info is not None:
        problems += placeholder_sign_offs(treatment, files, job.facts.info)
    cited, grades = frozenset(cited_sources(treatment)), section_grades(treatment, files.documents)
    info, sources = job.facts.info, job.facts.sources
    problems += reading_problems(grades, files.documents, info.reading_grade) if info is not None else []
    if not job.render or info is None or sources is None or any(p.severity == "error" for p in problems):
        return TreatmentResult(tuple(problems), "valid", cited, treatment=treatment, grades=grades)
    page = cite_treatment(treatment, sources)
    rendered = render_page(job.env, treatment_page(info, page), job.layouts)
    return TreatmentResult(tuple(problems), "valid", cited, listing(page), rendered, treatment, grades)


_JOB: _Job | None = None  # set in the parent just before forking; workers inherit it


def _work(folders: list[Path]) -> list[TreatmentResult]:
    assert _JOB is not None
    # A treatment's objects are freed by reference counting as soon as its result is made;
    # the cycle collector, run every few hundred allocations, only cost time (~12%).
    gc.disable()
    try:
        return [_sent(_treatment(folder, _JOB), _JOB.stage) for folder in folders]
    finally:
        gc.enable()


def _sent(result: TreatmentResult, stage: Path | None) -> TreatmentResult:
    """Return result made small to send back: no treatment, and its page written to the stage if there is one."""
    page = put(stage, result.page) if stage is not None and isinstance(result.page, File) else result.page
    return dataclasses.replace(result, treatment=None, page=page)


def _workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _parallel(folders: int) -> bool:
    # fork only on Linux: workers inherit the validated site-wide facts and the compiled
    # layouts instead of receiving them; macOS's system libraries are not fork-safe.
    return folders >= PARALLEL_FROM and _workers() >= 2 and sys.platform.startswith("linux")


def _run(folders: list[Path], job: _Job) -> list[TreatmentResult]:
    """Return each folder's result, in worker processes when there are many and the system can fork."""
    workers = _workers()
    if not _parallel(len(folders)):
        return [_treatment(folder, job) for folder in folders]
    global _JOB
    _JOB = job
    # What the workers inherit is never garbage: freezing it spares their collector from
    # scanning it again and again, and their memory pages from being copied to do so.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            chunks = [folders[i : i + CHUNK] for i in range(0, len(folders), CHUNK)]
            return [result for chunk in pool.imap(_work, chunks) for result in chunk]
    finally:
        gc.unfreeze()
        _JOB = None


def _environment(layouts: Path, cache: BuildCache | None) -> tuple[Renderer, bytes]:
    """Return this build's renderer over the Jinja environment (with a cache, its own while the layouts are unchanged) and the layouts' hash."""
    if cache is None:
        return Renderer(make_environment(layouts)), b""
    key = digest([str(layouts.absolute()), tree_digest(layouts)])
    env = cache.environments.get(key) or make_environment(layouts)
    cache.environments.put(key, env)
    cache.environments.forget_unused()
    return Renderer(env), key


def _shared_key(tree: ContentTree, layouts_key: bytes, today: datetime.date, render: bool, drafts: bool) -> bytes:
    """Return a hash of what a treatment's result depends on besides its folder; site files as the loader read them (not again)."""
    parts: list[bytes | str] = [str(tree.root.absolute()), str(Path.cwd()), today.isoformat(), str(render), str(drafts), layouts_key, str(tree.policy_failed)]
    return digest([*parts, *(tree.read.contents() if tree.read is not None else [])])


def _results(folders: list[Path], job: _Job, cache: BuildCache | None) -> list[TreatmentResult]:
    if cache is None:
        return _run(folders, job)
    reads = [read_treatment(f, job.root) for f in folders]  # parsed as read: the key is of the bytes parsed
    keys = [digest([job.key, *p]) if r is not None and (p := r.key_parts()) is not None else None for r in reads]
    job = dataclasses.replace(job, reads={f: r for f, r in zip(folders, reads, strict=True) if r is not None})
    return cache.results.recall(keys, lambda missing: _run([folders[i] for i in missing], job))


def _render_site_pages(job: _Job, listings: tuple[Listing, ...]) -> tuple[File | Diagnostic, tuple[File | Diagnostic, ...]]:
    assert job.facts.info is not None
    index, tail = site_pages(job.facts.info, listings)
    return render_page(job.env, index, job.layouts), tuple(render_page(job.env, page, job.layouts) for page in tail)


def _site_files(job: _Job, results: list[TreatmentResult], cache: BuildCache | None) -> tuple[list[File], list[Diagnostic]]:
    """Return every file of a valid site, in order (index, treatments, 404, sitemap, robots, assets), and layout errors."""
    listings = tuple(r.listing for r in results if r.listing is not None)
    if cache is None:
        index, tail = _render_site_pages(job, listings)
    else:  # an edit that leaves every listing as it was leaves these pages as they were
        [(index, tail)] = cache.site_pages.recall(
            [digest([job.key, pickle.dumps(listings)])], lambda missing: [_render_site_pages(job, listings) for _ in missing]
        )
    rendered = [index, *(r.page for r in results if r.page is not None), *tail]
    files = [r for r in rendered if isinstance(r, File)]
    assets, refused = render_assets(job.layouts)
    return files + assets, [r for r in rendered if isinstance(r, Diagnostic)] + refused


def _outcome(job: _Job, tree: ContentTree, results: list[TreatmentResult], problems: list[Diagnostic], cache: BuildCache | None) -> Outcome:
    problems += [p for r in results for p in r.problems]
    facts, grades = job.facts, tuple(g for r in results for g in r.grades)
    if facts.source_list is not None and tree.sources is not None and all(r.state != "invalid" for r in results):
        problems += unused_sources(tree.sources, facts.source_list, set().union(*(r.cited for r in results)))
    if facts.info is None or facts.sources is None or any(p.severity == "error" for p in problems):
        return Outcome(sort_diagnostics(problems), None, (), grades=grades)
    counts = (len(results), len(facts.sources))
    if not job.render:
        return Outcome(sort_diagnostics(problems), _site(facts, results), (), counts=counts, grades=grades)
    files, found = _site_files(job, results, cache)
    staged = (job.stage, tuple(r.page for r in results if isinstance(r.page, Staged))) if job.stage is not None else None
    return Outcome(sort_diagnostics(problems + found), _site(facts, results), tuple(files), counts=counts, staged=staged, grades=grades)


def _site(facts: SiteFacts, results: list[TreatmentResult]) -> Site | None:
    """Return the validated site, when every treatment was validated in this process."""
    treatments = tuple(r.treatment for r in results if r.treatment is not None)
    assert facts.info is not None and facts.sources is not None
    return Site(facts.info, facts.sources, treatments) if len(treatments) == len(results) else None


def _stages(
    content: Path,
    layouts: Path,
    today: datetime.date | None,
    cache: BuildCache | None,
    render: bool,
    out: Path | None = None,
    drafts: bool = False,
    publish: bool = False,
) -> Outcome:
    tree, problems = load_site_files(content)
    facts, found = validate_site_files(tree, today)
    problems += found + (publish_problems(tree, facts) if publish else [])
    folders, found = treatment_folders(content)
    problems += found
    env, layouts_key = _environment(layouts, cache)
    if not render:
        problems += compile_layouts(env, layouts)
    render = render and not any(p.severity == "error" for p in problems)
    key = _shared_key(tree, layouts_key, facts.on, render, drafts) if cache is not None else b""
    # a big build's workers write their pages themselves: sending 150 MB back to be written was a ninth of it
    stage = open_stage(out, (content, layouts)) if out is not None and render and cache is None and _parallel(len(folders)) else None
    job = _Job(content, facts, render, env, layouts, key, stage, drafts, publish)
    try:
        outcome = _outcome(job, tree, _results(folders, job, cache), problems, cache)
    except BaseException:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        raise
    if stage is not None and (outcome.errors or outcome.staged is None):
        shutil.rmtree(stage, ignore_errors=True)
    return outcome


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
    with lock(out):  # from the stage's opening (big builds) to the swap
        outcome = _stages(content, layouts, today, cache, render=True, out=out, drafts=drafts, publish=publish)
        if outcome.errors or outcome.counts is None:
            return outcome
        previous = cache.written if cache is not None else None
        written = write_site(outcome.files, out, protected=(content, layouts), previous=previous, staged=outcome.staged)
    if cache is not None:
        cache.written = written
    return dataclasses.replace(outcome, written=written)
