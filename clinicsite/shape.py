"""The shape of a treatment, described once: its record files and the page's reading order.

Every stage that walks a treatment (validation, evidence rules, citations, the claims
changelog, the scaffold and the sign-off fingerprint) reads this table and this walker,
so adding a record file is a row here, a model class and a layout section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from clinicsite.documents import Document
from clinicsite.model import Claim, Faq, Item, Overview, SideEffect, Treatment

#: The file holding the treatment's title, other names, summary claims.
OVERVIEW_FILE = "treatment.yaml"
#: The optional file of clinical sign-offs, written only by `build.py review`.
SIGN_OFFS_FILE = "sign-offs.yaml"


@dataclass(frozen=True)
class RecordFile:
    """One file of records (a heading and its claims) shown as one section of the page."""

    name: str
    """The file's name in the treatment folder."""
    field: str
    """The Treatment attribute holding its records, and their key in the cited and shown page's records."""
    record: type[Item] | type[Faq]
    """The model class of each record."""
    heading: Literal["title", "question"]
    """The record field shown as its heading."""
    anchor: str
    """The prefix of each record's anchor on the page, before its id."""
    section: str
    """The page section's id (the contents list links to it)."""
    title: str
    """The page section's heading."""
    called: str
    """The section as messages name it ("the section 'how it works' reads at grade 9")."""


#: The record files, in page reading order.
RECORD_FILES: tuple[RecordFile, ...] = (
    RecordFile("benefits.yaml", "benefits", Item, "title", "benefit-", "benefits", "What it can help with", "benefits"),
    RecordFile("mechanism.yaml", "mechanism", Item, "title", "step-", "how-it-works", "How it works", "how it works"),
    RecordFile("side-effects.yaml", "side_effects", SideEffect, "title", "side-effect-", "side-effects", "Side effects", "side effects"),
    RecordFile("faqs.yaml", "faqs", Faq, "question", "faq-", "faqs", "Questions people ask", "FAQs"),
)
#: Every file a treatment folder must hold, and the type of its top-level value.
TREATMENT_SCHEMAS: dict[str, Any] = {OVERVIEW_FILE: Overview, **{rf.name: list[rf.record] for rf in RECORD_FILES}}  # type: ignore[name-defined]
TREATMENT_FILES: tuple[str, ...] = tuple(TREATMENT_SCHEMAS)

KeyPath = tuple[str | int, ...]


class Part(NamedTuple):
    """One thing a patient reads on a treatment page, where it is written, in reading order.

    A named tuple, not a frozen dataclass: every check walks every part of every page
    (three times a build), and a tuple is made in a third of the time.
    """

    file: str
    """The file it is written in."""
    path: KeyPath
    """Its place in that file: a claim's mapping, or the heading's field."""
    text: str
    """The words shown: a heading, a name, or a claim's text."""
    claim: Claim | None = None
    """The claim, for parts that are claims; None for headings and names."""
    record: str = ""
    """The id of the record it belongs to; empty in treatment.yaml."""

    @property
    def label(self) -> str:
        """Return a short, stable name for people: 'benefits / acne-scars / claim 2' (made when asked: most walks never need it)."""
        path = self.path
        if self.file == OVERVIEW_FILE:
            head = path[0]
            if head == "also_known_as":
                return f"also known as {int(path[1]) + 1}"
            return _OVERVIEW_LABELS.get(str(head)) or f"summary / claim {int(path[-1]) + 1}"
        base = f"{_STEMS.get(self.file) or self.file.removesuffix('.yaml')} / {self.record}"
        if len(path) == 2:
            return f"{base} / {'how long' if path[1] == 'duration' else 'heading'}"
        return f"{base} / {'claim' if path[1] == 'claims' else 'when to contact'} {int(path[-1]) + 1}"


_OVERVIEW_LABELS = {"title": "title", "procedure_type": "procedure type"}
_STEMS = {rf.name: rf.name.removesuffix(".yaml") for rf in RECORD_FILES}


def _record_parts(rf: RecordFile, i: int, record: Item | Faq) -> Iterator[Part]:
    name, rid = rf.name, record.id
    yield Part(name, (i, rf.heading), getattr(record, rf.heading), None, rid)
    for j, claim in enumerate(record.claims):
        yield Part(name, (i, "claims", j), claim.text, claim, rid)
    if isinstance(record, SideEffect):
        if record.duration is not None:
            yield Part(name, (i, "duration"), record.duration.text, record.duration, rid)
        for j, claim in enumerate(record.seek_help.claims if record.seek_help else ()):
            yield Part(name, (i, "seek_help", "claims", j), claim.text, claim, rid)


def parts(treatment: Treatment) -> Iterator[Part]:
    """Yield every name, heading and claim of a treatment in the order the page shows them."""
    overview = treatment.overview
    yield Part(OVERVIEW_FILE, ("title",), overview.title)
    for k, name in enumerate(overview.also_known_as):
        yield Part(OVERVIEW_FILE, ("also_known_as", k), name)
    if overview.procedure_type is not None:
        yield Part(OVERVIEW_FILE, ("procedure_type",), overview.procedure_type)
    for j, claim in enumerate(overview.summary.claims):
        yield Part(OVERVIEW_FILE, ("summary", "claims", j), claim.text, claim)
    for rf in RECORD_FILES:
        for i, record in enumerate(getattr(treatment, rf.field)):
            yield from _record_parts(rf, i, record)


class _Walk(NamedTuple):
    records: tuple[Any, ...]
    """What the walk was made of: the overview and record tuples (frozen values) of a treatment."""
    parts: tuple[Part, ...]


_last: list[_Walk] = []


def walk(treatment: Treatment) -> tuple[Part, ...]:
    """Return tuple(parts(treatment)), made once for the treatment's records however often it is asked.

    Validation, the reading grades and the cited sources each read a page's parts; the
    sign-off check returns a copy of the treatment (dataclasses.replace) holding the same
    records, so the last walk is kept with what it was made of and reused while they are the same objects.
    """
    records = (treatment.overview, treatment.benefits, treatment.mechanism, treatment.side_effects, treatment.faqs)
    if _last and all(a is b for a, b in zip(_last[0].records, records, strict=True)):
        return _last[0].parts
    walked = tuple(parts(treatment))
    _last[:] = [_Walk(records, walked)]
    return walked


def claims(treatment: Treatment | None, walked: Iterable[Part] | None = None) -> Iterator[tuple[str, KeyPath, Claim]]:
    """Yield (file name, path in that file, claim) for every claim, in reading order (of walked, if given)."""
    assert treatment is not None or walked is not None
    for part in walked if walked is not None else parts(treatment):  # type: ignore[arg-type]
        if part.claim is not None:
            yield part.file, part.path, part.claim


def cited_ids(walked: Iterable[Part]) -> set[str]:
    """Return the ids of the sources the claims of walked parts cite."""
    return {c.source for part in walked if part.claim is not None for c in part.claim.cite}


def headings(walked: Iterable[Part]) -> Iterator[Part]:
    """Yield every record heading (a benefit's title, a question) of walked parts, in order."""
    for part in walked:
        if part.claim is None and part.file != OVERVIEW_FILE:
            yield part


#: One sign-off in the fixed form fingerprint.entry_yaml writes, and nothing else: plain
#: words, double-quoted ASCII without escapes, literal blocks indented by four spaces.
_BLOCK = r"\|\n((?:    [!-~][ -~]*\n)+)"
_WORD = r"(?!(?:null|Null|NULL)\n)([A-Za-z0-9][A-Za-z0-9._-]*)\n"
_QUOTED = r'"([ !#-\[\]-~]*)"\n'
_SIGN_OFF = re.compile(
    rf"- by: {_WORD}  date: {_QUOTED}  scope: {_WORD}  fingerprint: {_QUOTED}  signed: {_BLOCK}  sources: (?:\"\"\n|{_BLOCK})(?:  signature: {_BLOCK})?"
)
_COMMENTS = re.compile(r"(?:#[ -~]*\n)*")


def _literal(block: str) -> str:
    """Return the value of a literal block scalar whose lines are all indented by exactly four spaces."""
    return block[4:].replace("\n    ", "\n")


def sign_offs_document(text: str, shown: str) -> Document | None:
    """Return sign-offs.yaml as parse_yaml reads it when text is in the fixed form `review` writes; else None (PyYAML reads it).

    The record's block scalars keep it off the yaml-rs fast path, and PyYAML's reading was
    a third of the sign-off check. The form accepted is a strict subset of YAML whose data is
    certain (tests/test_signoff.py holds it equal to PyYAML's); positions are composed from
    the text only if a diagnostic asks for one.
    """
    head = _COMMENTS.match(text)  # the header comment (it matches the empty string too)
    at = head.end() if head else 0
    records: list[dict[str, str]] = []
    while at < len(text):
        found = _SIGN_OFF.match(text, at)
        if found is None:
            return None
        by, date, scope, digest, signed, sources, signature = found.groups()
        record = {"by": by, "date": date, "scope": scope, "fingerprint": digest, "signed": _literal(signed), "sources": _literal(sources) if sources else ""}
        if signature is not None:
            record["signature"] = _literal(signature)
        records.append(record)
        at = found.end()
    return Document(shown, records, text) if records else None
