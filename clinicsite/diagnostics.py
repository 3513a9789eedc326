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
    "content-unreadable": "A content file cannot be read (no permission, or a link that loops).",
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
    "reviewer-unknown": "A sign-off names a reviewer that is not in site.yaml.",
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
    "review-due": "The page's next full review is due within 30 days (warning).",
    "review-overdue": "The page's next full review date has passed.",
    "review-future": "A sign-off is dated later than today.",
    "review-missing": "No clinician has signed the page off (no valid full sign-off in sign-offs.yaml).",
    "review-stale": "A claim, heading, name or cited source changed after the latest sign-off; a reviewer must sign again.",
    "review-record": "sign-offs.yaml was edited by hand (an entry does not match its fingerprint, repeats one, or is out of date order).",
    "review-signature": "Sign-offs must be signed, and this one has no valid signature by its reviewer's SSH key.",
    "publish-placeholder": "`build --publish` refuses the example site's placeholder clinic details or a placeholder reviewer's sign-off.",
    "source-duplicate": "Two sources share a DOI or a PMID.",
    "source-date": "A source's year or accessed date is later than today.",
    "policy-disable-unknown": "policy.yaml disables a rule id that is not a built-in rule.",
    "value-control": "A value holds a control character, a line separator or a noncharacter (often from a YAML escape such as \\x00).",
    "text-invisible": "Claim text or a heading holds an invisible format character (a bidi control such as U+202E) that changes what is shown.",
    "text-mixed-script": "A word in claim text or a heading mixes look-alike alphabets (a Cyrillic letter a inside 'approved').",
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
