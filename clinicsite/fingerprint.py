"""What a reviewer vouches for on one page, and the sign-off record that says so.

A page's fingerprint lists, in reading order, a hash of every name, heading and claim
(text, citations with locators, allow entries with reasons) and of the full entry of
every source it cites. Hashes are of values, not of YAML, so comments, quoting, key
order, indentation and line breaks do not change them; any change a patient could read
does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from clinicsite.model import Date, Id, Record, Source
from clinicsite.shape import Part, cited_ids

_HEX = r"[0-9a-f]{16}"


class SignOff(Record):
    """sign-offs.yaml: one clinical sign-off, appended by `build.py review`; never edited by hand."""

    by: Id
    """The id of the reviewer in site.yaml who signed."""
    date: Date
    """The day it was signed, YYYY-MM-DD."""
    scope: Literal["full", "partial"]
    """full: the whole page was reviewed; partial: the changes since the previous sign-off were checked."""
    fingerprint: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
    """A hash of everything below: what was signed."""
    signed: Annotated[
        list[Annotated[str, StringConstraints(pattern=rf"^{_HEX} \S.*$")]], Field(min_length=1), BeforeValidator(_lines, json_schema_input_type=str)
    ]
    """Each name, heading and claim in reading order, one a line: its hash and where it was."""
    sources: Annotated[dict[Id, Annotated[str, StringConstraints(pattern=rf"^{_HEX}$")]], BeforeValidator(_pairs, json_schema_input_type=str)]
    """Each cited source's id and the hash of its full entry, one a line."""
    signature: str | None = None
    """The reviewer's SSH signature of the sign-off (required when site.yaml says so)."""


def _lines(value: Any) -> Any:
    """Read a block of lines as a list (what entry_yaml writes); anything else is left to the schema."""
    return value.splitlines() if isinstance(value, str) else value


def _pairs(value: Any) -> Any:
    """Read a block of 'id hash' lines as a mapping; a line without a space keeps an empty hash (the schema refuses it)."""
    if not isinstance(value, str):
        return value
    pairs = (line.partition(" ") for line in value.splitlines() if line.strip())
    return {key: rest for key, _, rest in pairs}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _spaced(text: str) -> str:
    """Return text with each run of whitespace one space, and none at its ends (what a reader sees)."""
    # nearly every text is so already: checked in C, instead of splitting it into words and joining them again
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":  # a space is the only printable whitespace
        return text
    return " ".join(text.split())


def part_hash(part: Part) -> str:
    """Return the hash of what a patient reads of one part (and what backs it): its canonical text, made here."""
    claim = part.claim
    if claim is None:
        canonical = "name\x1f" + _spaced(part.text)
    else:
        cites = "\x1e".join([f"{c.source}\x1d{c.locator or ''}" for c in claim.cite])
        allows = "\x1e".join([f"{a.rule}\x1d{_spaced(a.reason)}" for a in claim.allow]) if claim.allow else ""
        canonical = f"claim\x1f{_spaced(claim.text)}\x1f{cites}\x1f{allows}"
    return _digest(canonical)


def source_hashes(sources: Iterable[Source]) -> dict[str, str]:
    """Return each source's id and the hash of its full bibliographic entry (once a build: pages share them)."""
    return {s.id: _digest(json.dumps(s.model_dump(mode="json", exclude_defaults=True), sort_keys=True, ensure_ascii=False)) for s in sources}


@dataclass(frozen=True)
class Fingerprint:
    """What a reviewer vouches for on one page."""

    parts: tuple[Part, ...]
    signed: tuple[str, ...]
    """'HASH label' for each part, in reading order."""
    sources: dict[str, str]
    """Cited source id -> hash of its entry."""

    @cached_property  # asked of the record check and of the comparison with the latest sign-off
    def digest(self) -> str:
        """Return the fingerprint of the whole page."""
        return _sign_off_digest(self.signed, self.sources.items())  # fingerprint makes sources in id order


def record_digest(signed: Iterable[str], sources: dict[str, str]) -> str:
    """Return the fingerprint a sign-off listing these parts and sources must carry."""
    return _sign_off_digest(signed, sorted(sources.items()))


def _sign_off_digest(signed: Iterable[str], pairs: Iterable[tuple[str, str]]) -> str:
    """Return the fingerprint of parts and (source id, hash) pairs in id order."""
    body = "\n".join(["clinicsite sign-off v1", *signed, *map(" ".join, pairs)])
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def fingerprint(walked: tuple[Part, ...], hashes: Mapping[str, str]) -> Fingerprint:
    """Return the fingerprint of a valid treatment's parts (shape.parts), against its sources' hashes."""
    signed = [f"{part_hash(p)} {p.label}" for p in walked]
    return Fingerprint(walked, tuple(signed), {s: hashes[s] for s in sorted(cited_ids(walked)) if s in hashes})


def message(slug: str, record: SignOff) -> str:
    """Return the text a reviewer's SSH key signs: the page, who, when, how, and what."""
    return (
        f"clinicsite sign-off\ntreatment: {slug}\nby: {record.by}\ndate: {record.date.isoformat()}\nscope: {record.scope}\nfingerprint: {record.fingerprint}\n"
    )


#: The column of the first line of a sign-off's `signed` block, as entry_yaml writes it.
SIGNED_COLUMN = 5


def entry_yaml(record: SignOff) -> str:
    """Return one sign-off as the YAML list item review appends (a fixed form).

    The parts and sources are block scalars, one line each: a page's record is as long to
    read as a list, but parses as two values instead of hundreds (it was half the YAML of a page).
    """
    lines = [f"- by: {record.by}", f'  date: "{record.date.isoformat()}"', f"  scope: {record.scope}", f'  fingerprint: "{record.fingerprint}"', "  signed: |"]
    lines += [f"    {s}" for s in record.signed]
    lines += ["  sources: |", *(f"    {k} {v}" for k, v in record.sources.items())] if record.sources else ['  sources: ""']
    if record.signature:
        lines += ["  signature: |", *(f"    {line}" for line in record.signature.strip().splitlines())]
    return "\n".join(lines) + "\n"


HEADER = "# Clinical sign-offs of this page, oldest first. Written by `python build.py review`; do not edit by hand.\n"
