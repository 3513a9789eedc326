"""Located problems, the rule catalogue, and the two output formats.

Every stage that can fail returns Diagnostic values rather than raising or printing,
so a run can report all problems at once and the exit status follows from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: error stops the build; warning is reported and the build goes on; note is information for
#: the reviewer (an allowed exception and its reason).
Severity = Literal["error", "warning", "note"]

#: Rule id -> one-line meaning. Ids are published (README, editors' muscle memory):
#: never rename one; add a new id instead.
RULES: dict[str, str] = {
    "yaml-syntax": "The file is not valid YAML (often a tab used for indentation or a missing quote).",
    "yaml-encoding": "The file is not UTF-8 text.",
    "yaml-duplicate-key": "The same key appears twice in one mapping; YAML would silently keep only the last.",
    "yaml-tag": "A YAML tag such as !!python/object is not allowed in content.",
    "yaml-alias": "YAML anchors and aliases (&name, *name) are not allowed; write the value out.",
    "yaml-key": "A mapping key must be plain text.",
    "yaml-too-large": "The file is larger than the content size limit.",
    "yaml-too-deep": "Lists and mappings are nested deeper than content ever needs (40 levels).",
    "content-missing-file": "A required content file is missing.",
    "content-unexpected-file": "A file or folder the build does not know about (often a misspelt name).",
    "content-outside": "A content file is a link that points outside the content folder.",
    "slug-format": "A treatment folder name is not a valid slug (lowercase letters, digits, single hyphens).",
    "field-required": "A required field is missing.",
    "field-unknown": "A field the format does not have (often a misspelling).",
    "field-type": "A value has the wrong shape, e.g. text where a list belongs.",
    "value-empty": "A text field or list is empty.",
    "value-format": "A value does not have the required format (DOI, PMID, URL, language, kind, number).",
    "id-format": "An id is not kebab-case (lowercase letters, digits, single hyphens).",
    "date-format": "A date is not a real date written YYYY-MM-DD.",
    "cite-missing": "A claim has no source: every claim needs at least one citation.",
    "id-duplicate": "Two records in one list (or two sources, or two reviewers) share an id.",
    "source-unknown": "A citation names a source id that is not in sources.yaml.",
    "reviewer-unknown": "reviewed.by names a reviewer that is not in site.yaml.",
    "source-unused": "A source in sources.yaml is not cited by any claim (warning).",
    "markup-block": "Claim text uses block Markdown (a heading, list, quote or paragraph break); claims are one inline sentence.",
    "layout-error": "A layout template failed to compile or render.",
    "evidence-weak": "A claim cites only animal studies or web pages: an error in benefits, a warning elsewhere.",
    "number-locator": "A claim quotes a number but none of its citations has a locator saying where the number is.",
    "claim-sentences": "A claim's text holds more than one sentence; each sentence is its own claim with its own sources.",
    "reading-level": "A section of a treatment page reads above the clinic's target grade (Flesch-Kincaid; warning).",
    "allow-unknown": "An allow entry names a rule that is not in force.",
    "allow-unused": "An allow entry excuses a rule the claim does not break (warning).",
    "allowed": "A claim breaks a rule its allow entry excuses; the reason is shown to the reviewer (note).",
    "review-due": "The page's next review is due within 30 days (warning).",
    "review-overdue": "The page's next review date has passed.",
    "review-future": "The review date is later than today.",
    "source-duplicate": "Two sources share a DOI or a PMID.",
    "source-date": "A source's year or accessed date is later than today.",
    "policy-disable-unknown": "policy.yaml disables a rule id that is not a built-in rule.",
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


def format_text(diagnostic: Diagnostic) -> str:
    """Return `PATH:LINE:COL: severity: MESSAGE [rule]`, the form editors and CI logs link."""
    loc = diagnostic.location
    return f"{loc.path}:{loc.line}:{loc.column}: {diagnostic.severity}: {diagnostic.message} [{diagnostic.rule}]"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostic: Diagnostic) -> str:
    """Return a GitHub Actions workflow command, shown as an annotation on the changed line."""
    loc = diagnostic.location
    props = f"file={_escape_property(loc.path)},line={loc.line},col={loc.column}"
    message = _escape_data(f"{diagnostic.message} [{diagnostic.rule}]")
    command = "notice" if diagnostic.severity == "note" else diagnostic.severity
    return f"::{command} {props}::{message}"


FORMATTERS = {"text": format_text, "github": format_github}
