"""Located problems, the rule catalogue, and the two output formats.

Every stage that can fail returns Diagnostic values rather than raising or printing,
so a run can report all problems at once and the exit status follows from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: error stops the build; warning is reported and the build goes on; note is information for
#: the reviewer (an allowed exception and its reason).
Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue: how bad it is, what it means, and what to do."""

    severities: tuple[Severity, ...]
    """Every severity it is reported with (evidence-weak is an error in benefits, a warning elsewhere)."""
    meaning: str
    fix: str


_E: tuple[Severity, ...] = ("error",)
_W: tuple[Severity, ...] = ("warning",)

#: Rule id -> its severities, meaning and fix. Ids are published (docs, editors' muscle memory):
#: never rename one; add a new id instead. `{NAME}` is a constant of the module that enforces
#: the rule, filled in where the catalogue is shown (`build.py reference` writes docs/reference.md),
#: so a limit is written once.
RULES: dict[str, Rule] = {
    "yaml-syntax": Rule(
        _E,
        "The file is not valid YAML (often a tab used for indentation or a missing quote).",
        "Look at the line given and the one before: usually a tab, a missing quote or misaligned spaces.",
    ),
    "yaml-encoding": Rule(_E, "The file is not UTF-8 text (a byte-order mark is accepted).", "Save it as UTF-8 in your editor."),
    "yaml-duplicate-key": Rule(_E, "The same key appears twice in one mapping; YAML would silently keep only the last.", "Delete one of them."),
    "yaml-tag": Rule(_E, "A YAML tag such as !!python/object is not allowed in content (it is never executed).", "Remove it; write the value as plain text."),
    "yaml-alias": Rule(_E, "YAML anchors and aliases (&name, *name) are not allowed.", "Write the value out in full."),
    "yaml-key": Rule(_E, "A mapping key must be plain text.", "Use a plain field name such as `title`."),
    "yaml-too-large": Rule(_E, "The file is larger than {MAX_FILE_BYTES} bytes.", "Split it or remove content."),
    "yaml-too-deep": Rule(
        _E,
        "Lists and mappings are nested more than {MAX_DEPTH} levels deep (content needs about six); refused before the parser can run out of stack.",
        "Usually a run of `[` or `-` pasted by mistake: delete it.",
    ),
    "content-missing-file": Rule(
        _E,
        "A required content file (or the treatments/ folder) is missing, is a folder where a file belongs (or the reverse), or is a link to nothing.",
        "Create it (see the content format), or use `build.py new`.",
    ),
    "content-unexpected-file": Rule(
        _E,
        "A file or folder the build does not know about, often a misspelt name; hidden files and editor backups (.x, x~) are ignored.",
        "Rename it as suggested, or remove it.",
    ),
    "content-outside": Rule(_E, "A content file is a link that points outside the content folder.", "Replace the link with the real file."),
    "content-unreadable": Rule(
        _E, "A content file cannot be read (no permission, or a link that loops).", "Check who may read it, or replace a link with the real file."
    ),
    "slug-format": Rule(
        _E, "A treatment folder name is not a valid slug (lowercase letters, digits, single hyphens).", "Rename the folder, e.g. `chemical-peel`."
    ),
    "field-required": Rule(_E, "A required field is missing (reported at the mapping that lacks it).", "Add the field named in the message."),
    "field-unknown": Rule(_E, "A field the format does not have (often a misspelling).", "Use the field the message suggests."),
    "field-type": Rule(_E, "A value has the wrong shape, e.g. text where a list belongs.", "Write it like the examples in docs/editing.md."),
    "value-empty": Rule(_E, "A text field or list is empty.", "Fill it in, or remove the field."),
    "value-format": Rule(
        _E,
        "A value does not have the required format (DOI, PMID, URL, language, kind, e-mail, number range, a policy pattern).",
        "Follow the example in the message.",
    ),
    "id-format": Rule(_E, "An id is not kebab-case (lowercase letters, digits, single hyphens).", "e.g. `acne-scars`."),
    "date-format": Rule(_E, "A date is not a real date written YYYY-MM-DD.", 'Write it in quotes, e.g. `"2026-11-22"`.'),
    "cite-missing": Rule(_E, "A claim has no source: every claim needs at least one citation.", "Add `cite` with at least one source id."),
    "id-duplicate": Rule(_E, "Two records in one list (or two sources, or two reviewers) share an id.", "Give one of them a new id."),
    "source-unknown": Rule(_E, "A citation names a source id that is not in sources.yaml.", "Fix the id (the message suggests the nearest) or add the source."),
    "reviewer-unknown": Rule(
        _E, "A sign-off names a reviewer that is not in site.yaml.", "Ask for the reviewer to be added, or restore sign-offs.yaml from git."
    ),
    "source-unused": Rule(_W, "A source in sources.yaml is not cited by any claim.", "Cite it, or remove it."),
    "markup-block": Rule(
        _E, "Claim text uses block Markdown (a heading, list, quote or paragraph break); claims are one inline sentence.", "Keep each claim to plain sentences."
    ),
    "layout-error": Rule(_E, "A layout template failed to compile or render.", "A layout problem, not a content one: fix the template at the line given."),
    "evidence-weak": Rule(
        ("error", "warning"),
        "A claim cites only animal studies, web pages or books: an error in benefits, a warning elsewhere.",
        "Cite a study in people or a review; outside benefits, you may add an `allow` with a reason.",
    ),
    "number-locator": Rule(
        _E, "A claim quotes a number but none of its citations has a locator saying where the number is.", "Add `locator` saying where the number is."
    ),
    "claim-sentences": Rule(
        _E,
        "A claim's text holds more than one sentence (abbreviations, decimals, initials and quoted speech do not end one).",
        "Make each sentence its own claim, citing only the sources that support that sentence.",
    ),
    "reading-level": Rule(
        _W,
        "A section of a treatment page of {MIN_WORDS} words or more reads above the clinic's `reading_grade` (Flesch-Kincaid).",
        "Shorter sentences, everyday words; explain a medical term in plain words where it first appears.",
    ),
    "allow-unknown": Rule(_E, "An allow entry names a rule that is not in force.", "Fix the rule id."),
    "allow-unused": Rule(_W, "An allow entry excuses a rule the claim does not break.", "Remove the `allow` entry."),
    "allowed": Rule(("note",), "A claim breaks a rule its allow entry excuses; the reason is shown to the reviewer.", "Nothing, if the reason is right."),
    "review-due": Rule(_W, "The page's next full review is due within {REVIEW_WARNING_DAYS} days.", "Book the reviewer."),
    "review-overdue": Rule(_E, "The page's next full review date has passed.", "Have the whole page reviewed and signed (`review … --scope full`)."),
    "review-future": Rule(_E, "A sign-off is dated later than today.", "Restore sign-offs.yaml from git and sign again with the real date."),
    "review-missing": Rule(
        _E,
        "No clinician has signed the page off (no valid full sign-off in sign-offs.yaml); a warning in a draft preview.",
        "A reviewer runs `build.py review SLUG --by ID`.",
    ),
    "review-stale": Rule(
        _E,
        "A claim, heading, name or cited source changed after the latest sign-off; a warning in a draft preview.",
        "Expected after an edit: a reviewer checks it and signs again.",
    ),
    "review-record": Rule(
        _E,
        "sign-offs.yaml was edited by hand (an entry does not match its fingerprint, repeats one, or is out of date order).",
        "Restore it from git (`git checkout -- PATH`); only `review` writes it.",
    ),
    "review-signature": Rule(
        _E,
        "Sign-offs must be signed, and this one has no valid signature by its reviewer's SSH key.",
        "The reviewer signs with `review … --key`; check their `ssh_key` in site.yaml.",
    ),
    "publish-placeholder": Rule(
        _E,
        "`build --publish` refuses the example site's placeholder clinic details or a placeholder reviewer's sign-off.",
        "Put in the clinic's details, remove `example: true`, and have a real reviewer sign.",
    ),
    "source-duplicate": Rule(_E, "Two sources share a DOI or a PMID.", "Keep one and cite it by its id."),
    "source-date": Rule(_E, "A source's year or accessed date is later than today.", "Check the date."),
    "policy-disable-unknown": Rule(_E, "policy.yaml disables a rule id that is not a built-in rule.", "Fix the rule id (the message suggests the nearest)."),
    "value-control": Rule(
        _E,
        "A value holds a control character, a line separator or a noncharacter (often from a YAML escape such as \\x00 or \\e).",
        "Delete the escape from the text.",
    ),
    "text-invisible": Rule(
        _E,
        "Claim text or a heading holds an invisible format character (a bidi control such as U+202E) that changes what is shown.",
        "Delete the words around the spot and type them again.",
    ),
    "text-mixed-script": Rule(
        _E, "A word in claim text or a heading mixes look-alike alphabets (a Cyrillic letter a inside 'approved').", "Type the word again on your own keyboard."
    ),
}


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a file, as an editor shows it."""

    path: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where, how bad, what to do about it, and which rule found it."""

    location: Location
    severity: Severity
    message: str
    rule: str

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Return the order in which problems are listed: by file, line, column, rule."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.message)


def _make(location: Location, severity: Severity, rule: str, message: str) -> Diagnostic:
    assert rule in RULES, rule
    # One problem, one line: messages quote editors' text, which may hold line breaks.
    return Diagnostic(location, severity, " ".join(message.split()), rule)


def error(location: Location, rule: str, message: str) -> Diagnostic:
    """Return an error diagnostic on one line; the rule must be in the catalogue."""
    return _make(location, "error", rule, message)


def warning(location: Location, rule: str, message: str) -> Diagnostic:
    """Return a warning diagnostic on one line; the rule must be in the catalogue."""
    return _make(location, "warning", rule, message)


def note(location: Location, rule: str, message: str) -> Diagnostic:
    """Return a note for the reviewer on one line; the rule must be in the catalogue."""
    return _make(location, "note", rule, message)


def policy_finding(location: Location, severity: Severity, rule: str, message: str) -> Diagnostic:
    """Return a claims-policy finding; its rule id comes from the policy, not the catalogue."""
    return Diagnostic(location, severity, " ".join(message.split()), rule)


def sort_diagnostics(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    """Return the diagnostics sorted and without exact repeats."""
    return tuple(sorted(set(diagnostics), key=Diagnostic.sort_key))


#: What a terminal or log would act on instead of showing: control characters (an ESC
#: sequence made an error line display as a harmless warning) and bidi controls.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def printable(text: str) -> str:
    """Return text with each character a terminal would act on written as an escape, e.g. \\x1b."""
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}", text)


def format_text(diagnostic: Diagnostic) -> str:
    """Return `PATH:LINE:COL: severity: MESSAGE [rule]`, the form editors and CI logs link."""
    loc = diagnostic.location
    return printable(f"{loc.path}:{loc.line}:{loc.column}: {diagnostic.severity}: {diagnostic.message} [{diagnostic.rule}]")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostic: Diagnostic) -> str:
    """Return a GitHub Actions workflow command, shown as an annotation on the changed line."""
    loc = diagnostic.location
    props = f"file={_escape_property(printable(loc.path))},line={loc.line},col={loc.column}"
    message = _escape_data(printable(f"{diagnostic.message} [{diagnostic.rule}]"))
    command = "notice" if diagnostic.severity == "note" else diagnostic.severity
    return f"::{command} {props}::{message}"


_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#!~"})


def format_markdown(diagnostic: Diagnostic) -> str:
    """Return a Markdown list item (a pull request's job summary); content's own text cannot open markup."""
    loc = diagnostic.location
    where = f"{loc.path}:{loc.line}:{loc.column}".translate(_MARKDOWN)
    return f"- **{diagnostic.severity}** {where}: {diagnostic.message.translate(_MARKDOWN)} \\[{diagnostic.rule}\\]"


FORMATTERS = {"text": format_text, "github": format_github, "markdown": format_markdown}
