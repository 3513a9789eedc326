"""`build.py new <slug>`: a new treatment folder with every file and commented examples.

The examples are deliberately incomplete: every claim has an empty `cite` and the page
starts unsigned, so `check` lists what is left to do (cite-missing, review-missing) and
the page cannot be published until an editor has sourced every sentence and a clinician
has signed it off with `build.py review`.
"""

from __future__ import annotations

from pathlib import Path

from clinicsite.loader import SLUG
from clinicsite.shape import TREATMENT_FILES


class ScaffoldError(Exception):
    """The treatment folder cannot be created; the message says why and what to do."""


_CLAIM_HELP = """\
# Every sentence is a claim: `text` in plain words, and `cite` naming at least one source
# id from content/sources.yaml, e.g.  cite: [{source: alam-2014, locator: "Abstract, Results"}]
# Claims quoting a number need a locator. `check` reports each claim still without a source.
"""

TEMPLATES: dict[str, str] = {
    "treatment.yaml": """\
# The treatment's name, other names and a summary of three to five claims.
# A clinician signs the page off with `python build.py review SLUG --by REVIEWER_ID`.
title: {title}
also_known_as: []             # e.g. [Collagen induction therapy]
summary:
  claims:
    - text: "What the treatment is, in one plain sentence."
      cite: []                # add the source of this sentence
    - text: "What it may help with, and how strong the evidence is."
      cite: []
    - text: "The common side effects and how long they last."
      cite: []
""",
    "benefits.yaml": _CLAIM_HELP
    + """\
# What it can help with. A benefit must cite a study in people or a review.
- id: first-benefit           # kebab-case, unique in this file; becomes the section's address
  title: First benefit        # a heading: needs no source
  claims:
    - text: "What a study found, saying how big and what kind of study it was."
      cite: []
""",
    "mechanism.yaml": _CLAIM_HELP
    + """\
# How it works, as steps in order.
- id: first-step
  title: First step
  claims:
    - text: "What happens first."
      cite: []
""",
    "side-effects.yaml": _CLAIM_HELP
    + """\
# Each side effect: what it is, how long it lasts, and when to contact the clinic.
- id: first-side-effect
  title: First side effect
  claims:
    - text: "What the side effect is and how common it is."
      cite: []
  duration:                   # optional: one claim
    text: "How long it usually lasts."
    cite: []
  seek_help:                  # optional: when to contact the clinic
    claims:
      - text: "Contact the clinic if ..."
        cite: []
""",
    "faqs.yaml": _CLAIM_HELP
    + """\
# Questions patients ask; the question needs no source, the answer's claims do.
- id: first-question
  question: A question a patient would ask?
  claims:
    - text: "The answer, in plain words."
      cite: []
""",
}


def new_treatment(content: Path, slug: str, today: str) -> list[Path]:
    """Create content/treatments/<slug>/ with every file and return their paths."""
    if not SLUG.fullmatch(slug):
        raise ScaffoldError(f"'{slug}' is not a valid slug; use lowercase letters, digits and single hyphens, e.g. 'chemical-peel'")
    folder = content / "treatments" / slug
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; choose another slug or edit its files")
    assert set(TEMPLATES) == set(TREATMENT_FILES)
    folder.mkdir(parents=True)
    title = slug.replace("-", " ").capitalize()
    paths = []
    for name in TREATMENT_FILES:
        path = folder / name
        path.write_text(TEMPLATES[name].replace("{title}", title).replace("{today}", today), encoding="utf-8")
        paths.append(path)
    return paths
