"""Cross-references of one claim or record, and the valid parts of a treatment not valid as a whole.

One shape error (a `txt:` for `text:`) used to stop the reference, policy and evidence
checks of every file of the treatment: an editor fixed it, ran `check` again and met the
next problem. The architecture's rule still holds (a value that failed its shape check is
never cross-checked), but now at the level of the claim and the record: every claim and
heading that is valid on its own is found here, at its real position in its file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

import clinicsite.evidence as evidence
from clinicsite.diagnostics import Diagnostic, error
from clinicsite.documents import Document, KeyPath
from clinicsite.loader import TreatmentFiles
from clinicsite.markup import has_block_markup
from clinicsite.model import Claim, Faq, Item, Source
from clinicsite.nearest import suggest
from clinicsite.policy import ActivePolicy
from clinicsite.shape import RECORD_FILES

_LISTS: dict[str, type[Item] | type[Faq]] = {rf.name: rf.record for rf in RECORD_FILES}
_HEADINGS = {rf.name: rf.heading for rf in RECORD_FILES}
_CLAIM = TypeAdapter(Claim)


@dataclass
class Parts:
    """What of a treatment's files is valid on its own, each with its path in its file."""

    claims: list[tuple[str, KeyPath, Claim]] = field(default_factory=list)
    headings: list[tuple[str, KeyPath, str]] = field(default_factory=list)
    """(file, path of the title or question, its text) of every heading that is text."""
    lists: dict[str, list[Any]] = field(default_factory=dict)
    """The list files valid as a whole, for their ids' uniqueness."""


def _valid(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _claims_at(name: str, base: KeyPath, values: Any) -> Iterator[tuple[str, KeyPath, Claim]]:
    for j, value in enumerate(values if isinstance(values, list) else ()):
        claim = _valid(_CLAIM, value)
        if claim is not None:
            yield name, (*base, j), claim


def _record(name: str, i: int, record: Any, parts: Parts) -> None:
    if not isinstance(record, dict):
        return
    heading = _HEADINGS[name]
    if isinstance(record.get(heading), str):
        parts.headings.append((name, (i, heading), record[heading]))
    parts.claims += _claims_at(name, (i, "claims"), record.get("claims"))
    if name == "side-effects.yaml":
        duration = _valid(_CLAIM, record.get("duration")) if isinstance(record.get("duration"), dict) else None
        if duration is not None:
            parts.claims.append((name, (i, "duration"), duration))
        help_ = record.get("seek_help")
        parts.claims += _claims_at(name, (i, "seek_help", "claims"), help_.get("claims") if isinstance(help_, dict) else None)


def valid_parts(files: TreatmentFiles) -> Parts:
    """Return every claim and heading of files that is valid on its own, and the files valid as a whole."""
    parts = Parts()
    overview = files.documents.get("treatment.yaml")
    if overview is not None and isinstance(overview.data, dict):
        summary = overview.data.get("summary")
        parts.claims += _claims_at("treatment.yaml", ("summary", "claims"), summary.get("claims") if isinstance(summary, dict) else None)
    for name, model in _LISTS.items():
        doc = files.documents.get(name)
        if doc is None or not isinstance(doc.data, list):
            continue
        whole = _valid(TypeAdapter(list[model]), doc.data)  # type: ignore[valid-type]
        if whole is not None:
            parts.lists[name] = whole
        for i, record in enumerate(doc.data):
            _record(name, i, record, parts)
    return parts


def unique_ids(doc: Document, base: KeyPath, records: Sequence[Any]) -> list[Diagnostic]:
    """Return an id-duplicate error for each record of records (at base in doc) whose id an earlier one has."""
    first: dict[str, int] = {}
    problems = []
    for i, record in enumerate(records):
        if record.id in first:
            earlier = doc.locate((*base, first[record.id], "id")).line
            problems.append(
                error(doc.locate((*base, i, "id")), "id-duplicate", f"id '{record.id}' is already used at line {earlier}; ids must be unique in the list")
            )
        first.setdefault(record.id, i)
    return problems


def claim_references(doc: Document, path: KeyPath, claim: Claim, sources: dict[str, Source] | None) -> list[Diagnostic]:
    """Return one claim's markup-block and source-unknown errors (sources None: not known, not checked)."""
    problems = []
    if has_block_markup(claim.text):
        problems.append(error(doc.locate((*path, "text")), "markup-block", "claim text must be one inline sentence: no headings, lists, quotes or blank lines"))
    for k, citation in enumerate(claim.cite):
        if sources is not None and citation.source not in sources:
            hint = suggest(citation.source, sources)
            problems.append(error(doc.locate((*path, "cite", k)), "source-unknown", f"no source with id '{citation.source}' in sources.yaml{hint}"))
    return problems


def partial_problems(files: TreatmentFiles, sources: dict[str, Source] | None, policy: ActivePolicy) -> list[Diagnostic]:
    """Return the checks of every part valid on its own of a treatment that is not valid as a whole."""
    parts, problems = valid_parts(files), list[Diagnostic]()
    for name, path, claim in parts.claims:
        problems += claim_references(files.documents[name], path, claim, sources)
        if sources is not None:
            problems += evidence.claim_problems(files.documents[name], name, path, claim, sources, policy)
    for name, path, heading in parts.headings:
        problems += evidence.heading_problems(files.documents[name], path, heading, policy)
    for name, records in parts.lists.items():
        problems += unique_ids(files.documents[name], (), records)
    return problems
