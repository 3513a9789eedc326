"""Clinical sign-offs bound to the exact text a reviewer read.

The fingerprint (clinicsite.fingerprint) hashes everything a patient reads of a page.
`build.py review` appends one sign-off to the treatment's sign-offs.yaml; `check`
compares the page with the latest one and reports each part changed since, where it is.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import clinicsite.ssh as ssh
from clinicsite.clinic import SiteInfo
from clinicsite.diagnostics import Diagnostic, Location, error, warning
from clinicsite.documents import Document
from clinicsite.fingerprint import SIGNED_COLUMN, Fingerprint, SignOff, fingerprint, message, record_digest
from clinicsite.model import Signed, Treatment
from clinicsite.shape import OVERVIEW_FILE, RECORD_FILES, SIGN_OFFS_FILE, Part

#: Days before a review is due from which `review-due` warns.
REVIEW_WARNING_DAYS = 30
_SECTION_TITLES = {rf.name: rf.title for rf in RECORD_FILES}


@dataclass(frozen=True)
class Review:
    """What the sign-off record says of a page now."""

    sign_offs: tuple[Signed, ...]
    changed: tuple[Part, ...]
    """Parts added or changed since the latest sign-off (every part when never signed)."""
    problems: tuple[Diagnostic, ...]
    draft: bool
    """True unless a valid full sign-off stands and the latest sign-off covers the page as it is."""


def _sign_hint(slug: str, scope: str = "") -> str:
    return f"when a reviewer has checked it, run `python build.py review {slug} --by REVIEWER_ID{scope}`"


def _section(part: Part) -> str:
    return _SECTION_TITLES.get(part.file, "Summary")


def sections(changed: Iterable[Part]) -> tuple[str, ...]:
    """Return the page sections holding these parts, in page order, each once."""
    return tuple(dict.fromkeys(_section(p) for p in changed))


def _untouched(record: SignOff, now: Fingerprint | None) -> bool:
    """Return True when record carries the fingerprint its parts and sources make (it was not edited by hand)."""
    if now is not None and record.sources == now.sources and record.signed == list(now.signed):
        return record.fingerprint == now.digest  # the page as signed: its digest is made once, not once a record
    return record.fingerprint == record_digest(record.signed, record.sources)


def record_problems(
    doc: Document, records: list[SignOff], slug: str, info: SiteInfo, on: datetime.date, now: Fingerprint | None = None
) -> Iterator[tuple[int, Diagnostic]]:
    """Yield (index, problem) for each sign-off that cannot stand: hand-edited, repeated, unknown reviewer, future (now: the page's fingerprint)."""
    reviewers = {r.id: r for r in info.reviewers}
    seen: set[tuple[str, str, datetime.date, str, str | None]] = set()
    for k, record in enumerate(records):
        if not _untouched(record, now):
            yield (
                k,
                error(
                    doc.locate((k, "fingerprint")),
                    "review-record",
                    "this sign-off was changed by hand: what it lists does not match its fingerprint; restore the file from git",
                ),
            )
        elif (record.fingerprint, record.by, record.date, record.scope, record.signature) in seen:
            yield k, error(doc.locate((k,)), "review-record", "this sign-off repeats an earlier one; restore the file from git")
        if k and record.date < records[k - 1].date:
            yield k, error(doc.locate((k, "date")), "review-record", "sign-offs must be in date order; restore the file from git")
        if record.by not in reviewers:
            near = difflib.get_close_matches(record.by, list(reviewers), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            message = f"no reviewer with id '{record.by}' in site.yaml; {hint}add the reviewer or restore the file from git"
            yield k, error(doc.locate((k, "by")), "reviewer-unknown", message)
        if record.date > on:
            yield k, error(doc.locate((k, "date")), "review-future", f"the sign-off date {record.date.isoformat()} is after today ({on.isoformat()})")
        seen.add((record.fingerprint, record.by, record.date, record.scope, record.signature))


def _signature_refusal(record: SignOff, slug: str, info: SiteInfo) -> str | None:
    """Return why record's signature does not stand, or None when it verifies."""
    reviewer = next(r for r in info.reviewers if r.id == record.by)
    if reviewer.ssh_key is None:
        return f"sign-offs must be signed, but reviewer '{record.by}' has no ssh_key in site.yaml; add their public key line"
    if not record.signature:
        return f"this sign-off is not signed; {reviewer.name} signs with `python build.py review {slug} --by {record.by} --key PATH`"
    try:
        why = ssh.verify(message(slug, record), record.signature, record.by, reviewer.ssh_key)
    except ssh.SshError as exc:
        return str(exc)
    return None if why is None else f"the signature is not {reviewer.name}'s signature of this sign-off ({why}); only the reviewer's own key can sign"


def _signature_problem(doc: Document, k: int, record: SignOff, slug: str, info: SiteInfo) -> Diagnostic | None:
    why = _signature_refusal(record, slug, info)
    if why is None:  # located only when refused: locating composes the record's YAML
        return None
    return error(doc.locate((k, "signature")) if record.signature else doc.locate((k,)), "review-signature", why)


def _verified(doc: Document, valid: list[tuple[int, SignOff]], slug: str, info: SiteInfo, problems: list[tuple[int, Diagnostic]]) -> list[tuple[int, SignOff]]:
    """Return the sign-offs left once those the page relies on (the last full one and any later) are verified.

    Older sign-offs are history: signed before signatures were required, they need not verify.
    A sign-off that fails is reported and set aside, and the one before it is then relied on.
    """
    verified: set[int] = set()
    while True:
        fulls = [k for k, r in valid if r.scope == "full"]
        pending = [(k, r) for k, r in valid if k >= (fulls[-1] if fulls else 0) and k not in verified]
        if not pending:
            return valid
        for k, record in pending:
            refused = _signature_problem(doc, k, record, slug, info)
            if refused is None:
                verified.add(k)
            else:
                problems.append((k, refused))
        valid = [(k, r) for k, r in valid if k in verified or k not in {k for k, _ in pending}]


def _due_problems(doc: Document, k: int, full: SignOff, info: SiteInfo, on: datetime.date) -> Iterator[Diagnostic]:
    due = info.next_review(full.date)
    if due < on:  # located only when there is something to say: locating composes the record's YAML
        at = doc.locate((k, "date"))
        yield error(at, "review-overdue", f"the next full review was due on {due.isoformat()}; have the whole page reviewed and signed with --scope full")
    elif (due - on).days <= REVIEW_WARNING_DAYS:
        at = doc.locate((k, "date"))
        yield warning(at, "review-due", f"the next full review is due on {due.isoformat()}, in {(due - on).days} days; book the reviewer")


def _part_location(documents: dict[str, Document], part: Part) -> Location:
    path = (*part.path, "text") if part.claim is not None else part.path
    return documents[part.file].locate(path)


def _stale(
    documents: dict[str, Document], doc: Document, k: int, latest: SignOff, now: Fingerprint, who: str, slug: str
) -> Iterator[tuple[Part | None, Diagnostic]]:
    """Yield each part added or changed since latest, and each part removed (reported at the record)."""
    matcher = difflib.SequenceMatcher(None, [s.split(" ", 1)[0] for s in latest.signed], [s.split(" ", 1)[0] for s in now.signed], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("replace", "insert"):
            for part in now.parts[j1:j2]:
                what = "changed" if op == "replace" else "was added"
                yield part, error(_part_location(documents, part), "review-stale", f"this {_kind(part)} {what} after {who}; {_sign_hint(slug)}")
        if op in ("replace", "delete") and i2 - i1 > j2 - j1:
            for i in range(i1 + (j2 - j1), i2):
                label = latest.signed[i].split(" ", 1)[1]
                at = doc.locate((k, "signed"))  # the block's '|': its lines follow, one a part
                yield (
                    _removed(label),
                    error(Location(at.path, at.line + 1 + i, SIGNED_COLUMN), "review-stale", f"'{label}' was removed after {who}; {_sign_hint(slug)}"),
                )


def _removed(label: str) -> Part:
    """Return a stand-in for a part that is gone, placed in the section its label names."""
    name = label.split(" / ", 1)[0] + ".yaml"
    return Part(name if name in _SECTION_TITLES else OVERVIEW_FILE, (0, "claims", 0), "", None, label)


def _kind(part: Part) -> str:
    return "claim" if part.claim is not None else "heading" if part.file != OVERVIEW_FILE else "name"


def _source_changes(
    documents: dict[str, Document], latest: SignOff, now: Fingerprint, sources_doc: Document | None, order: dict[str, int], who: str, slug: str
) -> Iterator[tuple[Part | None, Diagnostic]]:
    changed = {s for s, h in now.sources.items() if s in latest.sources and latest.sources[s] != h}
    for source in sorted(changed):
        if sources_doc is not None:
            yield (
                None,
                error(sources_doc.locate((order[source], "id")), "review-stale", f"this source's entry changed after {who}; {_sign_hint(slug)}"),
            )
    for part in now.parts:
        if part.claim is not None and changed & {c.source for c in part.claim.cite}:
            yield part, error(_part_location(documents, part), "review-stale", f"a source this claim cites changed after {who}; {_sign_hint(slug)}")


@dataclass(frozen=True)
class Against:
    """The site-wide facts a page's sign-offs are judged against."""

    info: SiteInfo
    source_hashes: Mapping[str, str]
    """Source id -> the hash of its entry (clinicsite.fingerprint.source_hashes), made once a build."""
    sources_doc: Document | None
    order: dict[str, int]
    """Source id -> its index in sources.yaml, to locate it."""
    today: datetime.date
    """The day the build judges dates on (SiteFacts.today)."""


def review(treatment: Treatment, documents: dict[str, Document], records: list[SignOff] | None, facts: Against, walked: tuple[Part, ...]) -> Review:
    """Return the page's sign-offs in force, its parts changed since the latest one, and the problems (walked: its parts)."""
    now = fingerprint(walked, facts.source_hashes)
    doc = documents.get(SIGN_OFFS_FILE)
    if doc is None or not records:
        where = documents[OVERVIEW_FILE].locate(())
        return Review((), now.parts, (error(where, "review-missing", f"no clinician has signed this page off; {_sign_hint(treatment.slug)}"),), draft=True)
    problems = list(record_problems(doc, records, treatment.slug, facts.info, facts.today, now))
    bad = {k for k, _ in problems}
    valid = [(k, r) for k, r in enumerate(records) if k not in bad]
    if facts.info.signatures_required:
        valid = _verified(doc, valid, treatment.slug, facts.info, problems)
    signed = tuple(Signed(r.by, r.date, r.scope, r.fingerprint) for _, r in valid)
    fulls = [(k, r) for k, r in valid if r.scope == "full"]
    out = [d for _, d in problems]
    if not fulls:  # a damaged or refused sign-off is reported already
        if not problems:
            hint = _sign_hint(treatment.slug, " --scope full")
            out.append(error(doc.locate(()), "review-missing", f"no full sign-off: the whole page must be reviewed once; {hint}"))
        return Review(signed, now.parts, tuple(out), draft=True)
    out += _due_problems(doc, *fulls[-1], facts.info, facts.today)
    k, latest = valid[-1]
    if latest.fingerprint == now.digest:
        return Review(signed, (), tuple(out), draft=False)
    reviewer = next(r for r in facts.info.reviewers if r.id == latest.by)
    who = f"{reviewer.name} signed '{treatment.slug}' off on {latest.date.isoformat()}"
    found = [
        *_stale(documents, doc, k, latest, now, who, treatment.slug),
        *_source_changes(documents, latest, now, facts.sources_doc, facts.order, who, treatment.slug),
    ]
    seen: set[Location] = set()
    for _, d in found:  # a claim both changed and citing a changed source is reported once
        if d.location not in seen:
            out.append(d)
            seen.add(d.location)
    changed = tuple({p.label: p for p, _ in found if p is not None}.values())
    return Review(signed, changed, tuple(out), draft=True)
