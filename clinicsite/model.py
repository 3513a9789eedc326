"""The content model: one frozen class per record kind, every field documented.

Unknown fields are forbidden so a misspelt key is an error, not silently dropped text.
The docstring under each field is its reference documentation: docs/reference.md
(`build.py reference`) and the exported JSON Schema are generated from them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from clinicsite.source_kinds import KIND_IDS

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=KEBAB)]
Url = Annotated[str, StringConstraints(pattern=r"^https://[^\s/]+\S*$")]
#: A host name: dot-separated labels of letters, digits and inner hyphens (IDNs as punycode).
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
#: https://host[:port]/path/ and nothing else: no user name, query or fragment, no empty path
#: segment (`https:////evil.example/` made the 404 page load its stylesheet from evil.example).
SiteUrl = Annotated[str, StringConstraints(pattern=rf"^https://{_HOST}(?::[0-9]{{1,5}})?(?:/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*/?$")]
#: An address only: `hello@clinic.example?bcc=…` made every mail link copy a third party.
Email = Annotated[str, StringConstraints(pattern=rf"^[A-Za-z0-9._%+'-]+@{_HOST}\.[A-Za-z]{{2,63}}$")]


def _iso_date(value: Any) -> Any:
    """Accept only YYYY-MM-DD text naming a real day; YAML leaves dates as text here."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("date_format", "'{value}' is not a real date written YYYY-MM-DD", {"value": value})


Date = Annotated[datetime.date, BeforeValidator(_iso_date)]

ProcedureType = Literal["percutaneous", "noninvasive", "surgical"]

#: The values `kind` accepts: the ids of clinicsite.source_kinds' table, in its order.
if TYPE_CHECKING:
    SourceKind = str
else:
    SourceKind = Literal[KIND_IDS]


class Record(BaseModel):
    """Shared configuration: frozen, unknown fields rejected.

    The field docstrings become descriptions only where they are shown: clinicsite.schema
    reads them for the JSON Schema and docs/reference.md. pydantic's use_attribute_docstrings
    read every class's source at import, a twelfth of each build's start-up, for text no build shows.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Record):
    """A pointer from a claim to a source, with an optional place inside it."""

    source: Id
    """The id of a source in sources.yaml."""
    locator: Text | None = None
    """Where in the source the fact is, e.g. "p. 1423" or "Abstract, Results"."""


def _citation(value: Any) -> Any:
    """Let a bare source id stand for a citation without a locator."""
    return {"source": value} if isinstance(value, str) else value


class Allow(Record):
    """A reviewed exception to one claims-policy or evidence rule, for one claim."""

    rule: Id
    """The id of the rule this claim may break, e.g. evidence-weak."""
    reason: Text
    """Why the exception is justified; shown to the reviewer on every check."""


class Claim(Record):
    """One factual sentence and the sources that support it."""

    text: Text
    """One sentence in plain language; inline Markdown (emphasis, links) allowed."""
    cite: Annotated[list[Annotated[Citation, BeforeValidator(_citation, json_schema_input_type=Id | Citation)]], Field(min_length=1)]
    """At least one source: a source id, or {source: ID, locator: "p. 12"}."""
    allow: list[Allow] = Field(default_factory=list, json_schema_extra={"default": []})
    """Exceptions to policy or evidence rules for this claim, each with its reason."""


Claims = Annotated[list[Claim], Field(min_length=1)]


class ClaimGroup(Record):
    """A paragraph made of claims."""

    claims: Claims
    """The claims, in reading order."""


class Overview(Record):
    """treatment.yaml: what the treatment is called and its summary."""

    title: Text
    """The treatment's name, the page heading."""
    also_known_as: list[Text] = []
    """Other names patients may know it by."""
    procedure_type: ProcedureType | None = None
    """How the procedure reaches the body: percutaneous (through the skin, e.g. needles), noninvasive or surgical; for search engines."""
    summary: ClaimGroup
    """Three to five claims introducing the treatment."""


class Item(Record):
    """A benefit or a mechanism step: a heading and its claims."""

    id: Id
    """Kebab-case id, unique in its file; becomes the section anchor."""
    title: Text
    """A heading, not a claim: it needs no source."""
    claims: Claims
    """The paragraph under the heading."""


class SideEffect(Item):
    """side-effects.yaml: a possible side effect, how long it lasts, when to get help."""

    duration: Claim | None = None
    """How long it usually lasts: one sourced claim."""
    seek_help: ClaimGroup | None = None
    """When to contact the clinic: sourced claims."""


class Faq(Record):
    """faqs.yaml: a question and its answer."""

    id: Id
    """Kebab-case id, unique in the file; becomes the question's anchor."""
    question: Text
    """The question as a patient would ask it; a heading, not a claim."""
    claims: Claims
    """The answer."""
    contraindications: bool = False
    """True when the answer says who should not have the treatment or should wait: search engines get it as the procedure's contraindication."""


class Source(Record):
    """sources.yaml: one entry of the bibliography. Copy only fields you have seen."""

    id: Id
    """Kebab-case id used in `cite`, unique in the file."""
    kind: SourceKind
    """What kind of evidence this is."""
    title: Text
    """The title exactly as published."""
    authors: list[Text] = []
    """Authors in published order, as printed (organisations allowed)."""
    et_al: bool = False
    """True when only part of the author list is known."""
    year: Annotated[int, Field(ge=1800, le=2100)] | None = None
    """Year of publication."""
    journal: Text | None = None
    """Journal name (articles)."""
    publisher: Text | None = None
    """Publisher or organisation (web pages, guidelines, books)."""
    volume: Text | None = None
    """Journal volume."""
    issue: Text | None = None
    """Journal issue."""
    pages: Text | None = None
    """Page range, e.g. 1553-1563."""
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    """DOI without the https://doi.org/ prefix, e.g. 10.1001/jamadermatol.2014.388."""
    pmid: Annotated[str, StringConstraints(pattern=r"^\d{1,9}$")] | None = None
    """PubMed id, digits only."""
    url: Url | None = None
    """The publisher's own address (not a mirror)."""
    accessed: Date | None = Field(default=None, validate_default=True)
    """The day the web page was read, YYYY-MM-DD; required for kind web-page."""

    @field_validator("accessed")
    @classmethod
    def _web_pages_need_access_date(cls, value: datetime.date | None, info: ValidationInfo) -> datetime.date | None:
        if value is None and info.data.get("kind") == "web-page":
            raise PydanticCustomError("accessed_required", "a web-page source needs 'accessed: YYYY-MM-DD'")
        return value


Scope = Literal["full", "partial"]


@dataclass(frozen=True)
class Signed:
    """One clinical sign-off of a page, as the page and the review rules use it."""

    by: str
    """The reviewer's id in site.yaml."""
    date: datetime.date
    """The day it was signed."""
    scope: Scope
    """full: the whole page was reviewed; partial: the changes since the previous sign-off were checked."""
    fingerprint: str = ""
    """What was signed (clinicsite.fingerprint)."""


@dataclass(frozen=True)
class Treatment:
    """One validated treatment folder; its record files are described in clinicsite.shape."""

    slug: str
    overview: Overview
    benefits: tuple[Item, ...]
    mechanism: tuple[Item, ...]
    side_effects: tuple[SideEffect, ...]
    faqs: tuple[Faq, ...]
    sign_offs: tuple[Signed, ...] = ()
    """The valid sign-offs, oldest first."""
    draft: tuple[str, ...] = ()
    """Sections changed since the last sign-off (all, when never signed); empty when the page is as signed."""

    def last(self, scope: Scope | None = None) -> Signed | None:
        """Return the latest sign-off (of that scope, if given), or None."""
        return next((s for s in reversed(self.sign_offs) if scope is None or s.scope == scope), None)
