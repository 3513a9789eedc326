"""`build.py review SLUG... --by REVIEWER_ID`: record a clinician's sign-off of pages as they are now.

The only writer of sign-offs.yaml. It signs nothing while a page has other errors, while
the reviewer is unknown, or while the record itself is damaged, and writes every file
only after every page named has passed (each replaced atomically, never half-written).
"""

from __future__ import annotations

import datetime
import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import clinicsite.ssh as ssh
from clinicsite.clinic import Reviewer
from clinicsite.diagnostics import Diagnostic
from clinicsite.fingerprint import HEADER, SignOff, entry_yaml, fingerprint, message, record_digest
from clinicsite.loader import display_path, load_site_files, load_treatment, treatment_folders
from clinicsite.model import Treatment
from clinicsite.shape import SIGN_OFFS_FILE, parts
from clinicsite.validate import SiteFacts, validate_site_files, validate_treatment

#: What a sign-off puts right: a page may have these and still be signed.
SIGNABLE = frozenset({"review-stale", "review-missing", "review-overdue", "review-due", "review-signature"})


class ReviewError(Exception):
    """Nothing was signed; the message says why and what to do, with the problems found."""

    def __init__(self, message: str, problems: tuple[Diagnostic, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Signing:
    """One page signed: where the record went, what it covers, and what had changed since the last sign-off."""

    slug: str
    path: Path
    record: SignOff
    claims: int
    headings: int
    changed: tuple[Diagnostic, ...]
    text: str


@dataclass(frozen=True)
class Request:
    """What the reviewer asked for on the command line."""

    slugs: tuple[str, ...]
    every: bool
    by: str
    scope: str
    date: datetime.date | None
    key: Path | None
    today: datetime.date | None = None


def _reviewer(facts: SiteFacts, by: str) -> Reviewer:
    if facts.info is None:
        raise ReviewError("site.yaml has errors; fix them first (`python build.py check` lists them)")
    reviewer = next((r for r in facts.info.reviewers if r.id == by), None)
    if reviewer is None:
        ids = [r.id for r in facts.info.reviewers]
        near = difflib.get_close_matches(by, ids, n=1)
        raise ReviewError(f"no reviewer with id '{by}' in site.yaml" + (f"; did you mean '{near[0]}'?" if near else f"; reviewers: {', '.join(ids)}"))
    return reviewer


def _folders(content: Path, request: Request) -> list[Path]:
    folders = {f.name: f for f in treatment_folders(content)[0]}
    if request.every:
        return list(folders.values())
    if not request.slugs:
        raise ReviewError("name the treatments to sign off (e.g. `review microneedling --by ID`), or pass --all")
    unknown = [s for s in request.slugs if s not in folders]
    if unknown:
        raise ReviewError(f"no treatment folder '{unknown[0]}' under {display_path(content / 'treatments')}; treatments: {', '.join(sorted(folders))}")
    return [folders[s] for s in dict.fromkeys(request.slugs)]


def _sign(treatment: Treatment, facts: SiteFacts, reviewer: Reviewer, request: Request, on: datetime.date) -> SignOff:
    assert facts.sources is not None and facts.info is not None
    latest = treatment.last()
    if request.scope == "partial" and treatment.last("full") is None:
        raise ReviewError(f"'{treatment.slug}' has no full sign-off yet: the first review of a page covers all of it; sign with --scope full")
    if on > facts.today:
        raise ReviewError(f"the sign-off date {on.isoformat()} is after today ({facts.today.isoformat()}); write the day the review happened")
    if latest is not None and on < latest.date:
        raise ReviewError(f"'{treatment.slug}' was last signed on {latest.date.isoformat()}; a new sign-off cannot be dated {on.isoformat()}")
    now = fingerprint(tuple(parts(treatment)), facts.source_hashes)
    if latest is not None and (latest.by, latest.date, latest.scope, latest.fingerprint) == (reviewer.id, on, request.scope, now.digest):
        raise ReviewError(f"{reviewer.name} already signed '{treatment.slug}' as it is on {on.isoformat()} ({request.scope}); nothing to sign")
    record = SignOff(
        by=reviewer.id, date=on, scope=request.scope, fingerprint=record_digest(now.signed, now.sources), signed=list(now.signed), sources=now.sources
    )
    if request.key is None:
        if facts.info.signatures_required:
            raise ReviewError(f"site.yaml requires signed sign-offs; pass --key with the path of {reviewer.name}'s private SSH key")
        return record
    try:
        signature = ssh.sign(message(treatment.slug, record), request.key)
        why = ssh.verify(message(treatment.slug, record), signature, reviewer.id, reviewer.ssh_key) if reviewer.ssh_key else "no ssh_key in site.yaml"
    except ssh.SshError as exc:
        raise ReviewError(str(exc)) from None
    if why is not None:
        raise ReviewError(f"the key '{request.key}' is not {reviewer.name}'s key in site.yaml ({why}); sign with your own key")
    return record.model_copy(update={"signature": signature})


def _write(path: Path, text: str) -> None:
    """Replace path with text at once: a reader sees the old record or the new one."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def sign_off(content: Path, request: Request) -> list[Signing]:
    """Append a sign-off to each named treatment's record and return what was signed; raise ReviewError to sign none."""
    tree, problems = load_site_files(content)
    facts, found = validate_site_files(tree, request.today)
    problems += found
    if any(p.severity == "error" for p in problems):
        raise ReviewError("the site-wide files have errors; fix them first", tuple(p for p in problems if p.severity == "error"))
    reviewer = _reviewer(facts, request.by)
    on = request.date or facts.today
    done = []
    for folder in _folders(content, request):
        files, found = load_treatment(folder, content)
        treatment, more = validate_treatment(files, facts) if files is not None else (None, [])
        blocking = tuple(p for p in [*found, *more] if p.severity == "error" and p.rule not in SIGNABLE)
        if treatment is None or blocking:
            raise ReviewError(f"'{folder.name}' has errors a sign-off cannot fix; fix them first, then sign", blocking)
        record = _sign(treatment, facts, reviewer, request, on)
        path = folder / SIGN_OFFS_FILE
        before = path.read_text(encoding="utf-8") if path.is_file() else HEADER
        text = before + ("" if before.endswith("\n") else "\n") + entry_yaml(record)
        headings = sum(1 for s in record.signed if s.endswith(" / heading"))
        claims = sum(1 for s in record.signed if " / claim " in s or s.endswith((" / how long",)) or " / when to contact " in s)
        done.append(Signing(folder.name, path, record, claims, headings, tuple(p for p in more if p.rule == "review-stale"), text))
    for signing in done:  # every page passed: now write
        _write(signing.path, signing.text)
    return done
