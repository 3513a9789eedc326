"""The kinds of source a bibliography entry may be: one table, read by every stage.

A kind decides what the model accepts (`Source.kind`), whether a claim resting on it has
evidence from people (the `evidence-weak` rule and the caveat beside a claim's marks), its
label in the reference list, and its schema.org type in the JSON-LD. Adding a kind is one
row here (and its fixtures); every other module reads this table. The words are English:
the first step toward translatable strings is that each is written once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of source and every way the site speaks of it."""

    id: str
    """What sources.yaml writes in `kind`."""
    label: str
    """The reference list's word for it, e.g. "Clinical trial"."""
    human: bool
    """True when it reports evidence from people: only these may carry a benefit alone."""
    schema_type: str
    """Its schema.org type in the page's JSON-LD `citation`."""
    one: str
    """One of it, in a sentence: the caveat "an animal study only"."""
    many: str
    """Several of it, in a sentence: "rests only on animal studies and web pages"."""


#: In the order the schema, the error messages and the reference docs list them.
SOURCE_KINDS: tuple[Kind, ...] = (
    Kind("systematic-review", "Systematic review", True, "ScholarlyArticle", "a systematic review", "systematic reviews"),
    Kind("review", "Review", True, "ScholarlyArticle", "a review", "reviews"),
    Kind("clinical-trial", "Clinical trial", True, "ScholarlyArticle", "a clinical trial", "clinical trials"),
    Kind("clinical-study", "Clinical study", True, "ScholarlyArticle", "a clinical study", "clinical studies"),
    Kind("animal-study", "Animal study", False, "ScholarlyArticle", "an animal study", "animal studies"),
    Kind("guideline", "Guideline", True, "CreativeWork", "a guideline", "guidelines"),
    Kind("web-page", "Web page", False, "WebPage", "a web page", "web pages"),
    Kind("book", "Book", False, "Book", "a book", "books"),
)

#: Kind id -> its row.
KINDS: dict[str, Kind] = {kind.id: kind for kind in SOURCE_KINDS}
#: The ids, in table order (the model's accepted values).
KIND_IDS: tuple[str, ...] = tuple(KINDS)
#: Kinds that report evidence from people; the others cannot carry a benefit alone.
HUMAN_EVIDENCE: frozenset[str] = frozenset(kind.id for kind in SOURCE_KINDS if kind.human)
