"""Documents -> the validated Site, with every problem located in its file.

Shape errors come first, per document; cross-references (ids, citations, reviewers) are
checked only over documents whose shape was valid, so one mistake is reported once.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

import clinicsite.evidence as evidence
from clinicsite.clinic import Policy, SiteInfo
from clinicsite.diagnostics import Diagnostic, error, warning
from clinicsite.documents import Document
from clinicsite.fingerprint import SignOff, source_hashes
from clinicsite.linear import linear_refusal
from clinicsite.loader import ContentTree, TreatmentFiles
from clinicsite.model import Overview, Source, Treatment
from clinicsite.policy import ActivePolicy, active_policy, default_ids
from clinicsite.salvage import claim_references, partial_problems
from clinicsite.salvage import unique_ids as _unique_ids
from clinicsite.shape import RECORD_FILES, SIGN_OFFS_FILE, TREATMENT_SCHEMAS, Part, cited_ids, claims, walk
from clinicsite.signoff import Against, record_problems, review, sections
from clinicsite.translate import suggest, validate_doc


def _validate_treatment(files: TreatmentFiles, problems: list[Diagnostic]) -> Treatment | None:
    values = {name: validate_doc(files.documents.get(name), schema, problems) for name, schema in TREATMENT_SCHEMAS.items()}
    if not files.complete or any(v is None for v in values.values()):
        return None
    for rf in RECORD_FILES:
        problems += _unique_ids(files.documents[rf.name], (), values[rf.name])
    overview: Overview = values["treatment.yaml"]
    return Treatment(files.slug, overview, **{rf.field: tuple(values[rf.name]) for rf in RECORD_FILES})


def _check_references(walked: tuple[Part, ...], files: TreatmentFiles, sources: dict[str, Source] | None) -> list[Diagnostic]:
    """Return problems with citations and claim markup of one valid treatment's parts."""
    problems: list[Diagnostic] = []
    for name, path, claim in claims(None, walked):
        problems += claim_references(files.documents[name], path, claim, sources)
    return problems


def unused_sources(doc: Document, sources: list[Source], cited: set[str]) -> list[Diagnostic]:
    """Return a warning for each source that no claim cites (cited: every cited source id)."""
    return [
        warning(doc.locate((i, "id")), "source-unused", f"source '{s.id}' is not cited by any claim; cite it or remove it")
        for i, s in enumerate(sources)
        if s.id not in cited
    ]


def cited_sources(treatment: Treatment) -> set[str]:
    """Return the ids of the sources a treatment's claims cite."""
    return cited_ids(walk(treatment))


def _policy(doc: Document | None, problems: list[Diagnostic]) -> ActivePolicy:
    """Return the rules in force: the built-in policy with policy.yaml's changes, if it is valid."""
    policy: Policy | None = validate_doc(doc, Policy, problems)
    if doc is None or policy is None:
        return active_policy(None)
    defaults = list(default_ids())
    for k, rule_id in enumerate(policy.disable):
        if rule_id not in defaults:
            hint = suggest(rule_id, defaults)
            problems.append(error(doc.locate(("disable", k)), "policy-disable-unknown", f"'{rule_id}' is not a built-in rule{hint}"))
    for k, rule in enumerate(policy.rules):  # searched by RE2, so no pattern can make a build hang
        refusal = linear_refusal(rule.pattern)
        if refusal is not None:
            message = f"the pattern cannot be searched in linear time ({refusal}); write it without backreferences, lookarounds or conditional groups"
            problems.append(error(doc.locate(("rules", k, "pattern")), "value-format", message))
    return active_policy(policy)


@dataclass(frozen=True)
class SiteFacts:
    """The validated site-wide records each treatment is checked against."""

    info: SiteInfo | None
    source_list: list[Source] | None
    sources: dict[str, Source] | None
    policy: ActivePolicy
    today: datetime.date
    """The date review freshness and source dates are checked against (the build's today)."""
    sources_doc: Document | None = None
    """sources.yaml, to locate a source whose entry changed since a page was signed off."""
    source_hashes: dict[str, str] = dataclasses.field(default_factory=dict)
    """Source id -> the hash of its entry, for the sign-off fingerprints."""
    source_order: dict[str, int] = dataclasses.field(default_factory=dict)
    """Source id -> its index in sources.yaml, to locate a changed source (made once a build, not once a page)."""


def validate_site_files(tree: ContentTree, today: datetime.date | None = None) -> tuple[SiteFacts, list[Diagnostic]]:
    """Return the validated site, sources and policy documents, and their problems."""
    on = today or evidence.today()
    problems: list[Diagnostic] = []
    info: SiteInfo | None = validate_doc(tree.site, SiteInfo, problems)
    source_list: list[Source] | None = validate_doc(tree.sources, list[Source], problems)
    policy = _policy(tree.policy, problems)
    if info is not None and tree.site is not None:
        problems += _unique_ids(tree.site, ("reviewers",), info.reviewers)
    sources = None
    if source_list is not None and tree.sources is not None:
        problems += _unique_ids(tree.sources, (), source_list)
        problems += evidence.source_problems(tree.sources, source_list, on)
        sources = {s.id: s for s in source_list}
    order = {s.id: i for i, s in enumerate(source_list or ())}
    return SiteFacts(info, source_list, sources, policy, on, tree.sources, source_hashes(source_list or ()), order), problems


def validate_treatment(files: TreatmentFiles, facts: SiteFacts) -> tuple[Treatment | None, list[Diagnostic]]:
    """Return one treatment (None when its files are incomplete or invalid) and its problems."""
    problems: list[Diagnostic] = []
    treatment = _validate_treatment(files, problems)
    if treatment is not None:
        walked = walk(treatment)  # once: every check below (and the grades, the cited sources) reads the same walk
        problems += _check_references(walked, files, facts.sources)
        if facts.sources is not None:
            problems += evidence.treatment_problems(walked, files.documents, facts.sources, facts.policy)
            treatment = _signed(treatment, walked, files, facts, problems)
    else:  # one file's mistake must not hide the problems of the rest
        problems += partial_problems(files, facts.sources, facts.policy)
        problems += _record_alone(files, facts, problems)
    return treatment, problems


def _record_alone(files: TreatmentFiles, facts: SiteFacts, problems: list[Diagnostic]) -> list[Diagnostic]:
    """Return the problems of a sign-off record itself (hand edits, unknown reviewers), for a page not valid as a whole."""
    doc = files.documents.get(SIGN_OFFS_FILE)
    records: list[SignOff] | None = validate_doc(doc, list[SignOff], problems) if doc is not None else None
    if doc is None or not records or facts.info is None:
        return []
    return [d for _, d in record_problems(doc, records, files.slug, facts.info, facts.today)]


def _signed(treatment: Treatment, walked: tuple[Part, ...], files: TreatmentFiles, facts: SiteFacts, problems: list[Diagnostic]) -> Treatment:
    """Return treatment with its sign-offs in force and the sections changed since, adding the review problems."""
    assert facts.sources is not None and facts.source_list is not None
    doc = files.documents.get(SIGN_OFFS_FILE)
    records: list[SignOff] | None = validate_doc(doc, list[SignOff], problems) if doc is not None else []
    if facts.info is None or records is None:  # a sign-off file that did not validate is reported already
        return dataclasses.replace(treatment, draft=("the whole page",))
    against = Against(facts.info, facts.source_hashes, facts.sources_doc, facts.source_order, facts.today)
    found = review(treatment, files.documents, records, against, walked)
    problems += found.problems
    draft = (sections(found.changed) or ("the whole page",)) if found.draft else ()
    return dataclasses.replace(treatment, sign_offs=found.sign_offs, draft=draft)


def site_problems(tree: ContentTree, facts: SiteFacts, cited: list[frozenset[str]] | None) -> list[Diagnostic]:
    """Return the problems only the whole site shows, once every treatment was validated.

    cited: the sources each treatment cites; None when a treatment did not validate, so
    what it cites is unknown and no source can be called unused.
    """
    if facts.source_list is None or tree.sources is None or cited is None:
        return []
    return unused_sources(tree.sources, facts.source_list, set().union(*cited))


def publish_problems(tree: ContentTree, facts: SiteFacts) -> list[Diagnostic]:
    """Return why the site may not be published (`build --publish`): placeholder clinic details."""
    if facts.info is None or tree.site is None or not facts.info.example:
        return []
    message = "this is the example site ('example: true'): its clinic details are placeholders; put in the clinic's own details, remove 'example', then publish"
    return [error(tree.site.locate_key(("example",)), "publish-placeholder", message)]


def placeholder_sign_offs(treatment: Treatment, files: TreatmentFiles, info: SiteInfo) -> list[Diagnostic]:
    """Return an error when a sign-off the page shows is by a placeholder reviewer (`build --publish`)."""
    placeholders = {r.id for r in info.reviewers if r.placeholder}
    shown = {s.by for s in (treatment.last("full"), treatment.last()) if s is not None}
    if not shown & placeholders:
        return []
    doc = files.documents.get(SIGN_OFFS_FILE) or files.documents["treatment.yaml"]
    message = f"this page is signed off by a placeholder reviewer ({', '.join(sorted(shown & placeholders))}); a real clinician must review it and sign"
    return [error(doc.locate(()), "publish-placeholder", message)]
