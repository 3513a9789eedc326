"""Evidence integrity: checks that need the whole validated content and today's date.

"Every claim has a source" is necessary, not sufficient. Over each valid treatment this
module applies the claims-language policy, the evidence-kind rules (benefits rest on
human evidence; numbers point at where they are) and checks across
the bibliography. It reads validated records only; validate.py decides when to call it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import clinicsite.shape as shape
from clinicsite.characters import describe
from clinicsite.diagnostics import Diagnostic, Location, error, note, policy_finding, warning
from clinicsite.documents import Document, KeyPath
from clinicsite.model import Claim, Source
from clinicsite.plaintext import invisible_characters, mixed_script_words, normalise, read_claim
from clinicsite.policy import ActivePolicy, insensitive
from clinicsite.sentences import sentences
from clinicsite.source_kinds import HUMAN_EVIDENCE, KINDS

#: Rules a claim's allow entry may name besides the policy's.
EVIDENCE_RULES = frozenset({"evidence-weak", "number-locator", "claim-sentences"})

_NUMBER = insensitive(
    r"\d+(?:[.,]\d+)*(?:\s?%)?|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|half|dozen)\b"
)


def today() -> datetime.date:
    """Return the date checks run as of; tests and `--today` pass a date instead."""
    return datetime.date.today()


@dataclass(frozen=True)
class Finding:
    """A rule a claim breaks, before its allow entries are applied."""

    rule: str
    severity: str
    message: str


def _kind_words(kinds: Iterable[str]) -> str:
    return " and ".join(sorted({KINDS[k].many for k in kinds}))


def _evidence_findings(name: str, claim: Claim, sources: dict[str, Source], shown: str) -> list[Finding]:
    found: list[Finding] = []
    cite, human, known = claim.cite, False, False  # a loop, not a set of kinds: nearly every claim cites human evidence first
    for c in cite:
        source = sources.get(c.source)
        if source is not None:
            known = True
            if source.kind in HUMAN_EVIDENCE:
                human = True
                break
    if known and not human:
        kinds = {sources[c.source].kind for c in cite if c.source in sources}
        if name == "benefits.yaml":
            found.append(Finding("evidence-weak", "error", f"a benefit rests only on {_kind_words(kinds)}; cite at least one study in people or a review"))
        else:
            message = f"this claim rests only on {_kind_words(kinds)}; cite a study in people or a review, or say why in 'allow'"
            found.append(Finding("evidence-weak", "warning", message))
    for c in cite:
        if c.locator:
            return found
    if not _NUMBER.has_match(shown):
        return found
    number = _NUMBER.first_match(shown)
    if number is not None:
        message = f"the claim quotes a number ('{number}'); add a locator to a citation, e.g. {{source: ID, locator: \"Table 2\"}}"
        found.append(Finding("number-locator", "error", message))
    return found


def _sentence_findings(claim: Claim) -> list[Finding]:
    found = sentences(claim.text)
    if len(found) < 2:
        return []
    second = found[1] if len(found[1]) <= 40 else found[1][:40].rstrip() + "…"
    message = (
        f"this claim holds {len(found)} sentences (the second starts '{second}'); "
        "make each sentence its own claim, citing the sources that support that sentence"
    )
    return [Finding("claim-sentences", "error", message)]


def _policy_findings(text: str, policy: ActivePolicy) -> list[Finding]:
    matches = policy.matches(text)
    if not matches:  # nearly every text
        return []
    return [Finding(match.rule.id, match.rule.severity, f"'{match.words}': {match.rule.message} (why: {match.rule.why})") for match in matches]


def hidden_problems(at: Location, text: str) -> Iterator[Diagnostic]:
    """Yield an error for each invisible format character and each look-alike word in text."""
    for char in invisible_characters(text):
        yield error(at, "text-invisible", f"the invisible character {describe(char)} changes what is shown or read; delete it")
    for word, scripts in mixed_script_words(text):
        alphabets = " and ".join(s.title() for s in scripts)
        yield error(at, "text-mixed-script", f"the word {word!r} mixes {alphabets} letters that look alike; retype it in one alphabet")


def _claim_problems(doc: Document, name: str, path: KeyPath, claim: Claim, sources: dict[str, Source], policy: ActivePolicy) -> list[Diagnostic]:
    text = claim.text
    shown = read_claim(text)  # the policy judges what the patient reads, not the Markdown
    findings = _policy_findings(shown, policy)
    findings += _evidence_findings(name, claim, sources, shown)
    findings += _sentence_findings(claim)
    problems = [] if text.isascii() else list(hidden_problems(doc.locate((*path, "text")), text))
    if not findings and not claim.allow:  # nearly every claim: nothing to locate
        return problems
    at = doc.locate((*path, "text"))
    allowed = {a.rule: a.reason for a in claim.allow}
    for finding in findings:
        if finding.rule in allowed:
            problems.append(note(at, "allowed", f"rule '{finding.rule}' is allowed here: {allowed[finding.rule]}"))
        elif finding.rule in EVIDENCE_RULES:
            make = error if finding.severity == "error" else warning
            problems.append(make(at, finding.rule, finding.message))
        else:
            problems.append(policy_finding(at, "error" if finding.severity == "error" else "warning", finding.rule, finding.message))
    broken = {f.rule for f in findings}
    for k, allow in enumerate(claim.allow):
        where = doc.locate((*path, "allow", k, "rule"))
        if allow.rule not in policy.ids | EVIDENCE_RULES:
            message = f"no rule '{allow.rule}' is in force; use a rule id from the policy or {', '.join(sorted(EVIDENCE_RULES))}"
            problems.append(error(where, "allow-unknown", message))
        elif allow.rule not in broken:
            problems.append(warning(where, "allow-unused", f"this claim does not break rule '{allow.rule}'; remove the allow entry"))
    return problems


def heading_problems(doc: Document, path: KeyPath, heading: str, policy: ActivePolicy) -> list[Diagnostic]:
    """Return the policy's findings, invisible characters and look-alike words of one heading."""
    problems = [] if heading.isascii() else list(hidden_problems(doc.locate(path), heading))
    for finding in _policy_findings(normalise(heading), policy):  # headings are escaped, not rendered
        problems.append(policy_finding(doc.locate(path), "error" if finding.severity == "error" else "warning", finding.rule, finding.message))
    return problems


def claim_problems(doc: Document, name: str, path: KeyPath, claim: Claim, sources: dict[str, Source], policy: ActivePolicy) -> list[Diagnostic]:
    """Return the policy, evidence and allow problems of one valid claim at path in doc (name: its file)."""
    return _claim_problems(doc, name, path, claim, sources, policy)


def treatment_problems(walked: tuple[shape.Part, ...], documents: dict[str, Document], sources: dict[str, Source], policy: ActivePolicy) -> list[Diagnostic]:
    """Return the integrity problems of one valid treatment's parts (shape.parts): its claims and its headings."""
    problems: list[Diagnostic] = []
    for name, path, claim in shape.claims(None, walked):
        problems += _claim_problems(documents[name], name, path, claim, sources, policy)
    for part in shape.headings(walked):
        problems += heading_problems(documents[part.file], part.path, part.text, policy)
    return problems


def source_problems(doc: Document, sources: list[Source], on: datetime.date) -> list[Diagnostic]:
    """Return problems across the bibliography: shared DOIs or PMIDs, dates after today."""
    problems: list[Diagnostic] = []
    first: dict[tuple[str, str], str] = {}
    for i, source in enumerate(sources):
        for field, value in (("doi", source.doi and source.doi.lower()), ("pmid", source.pmid)):
            if value is None:
                continue
            if (field, value) in first:
                message = f"source '{first[field, value]}' has the same {field.upper()}; keep one source and cite it by its id"
                problems.append(error(doc.locate((i, field)), "source-duplicate", message))
            first.setdefault((field, value), source.id)
        if source.year is not None and source.year > on.year:
            problems.append(error(doc.locate((i, "year")), "source-date", f"the year {source.year} is after this year; check the source"))
        if source.accessed is not None and source.accessed > on:
            problems.append(
                error(doc.locate((i, "accessed")), "source-date", f"'accessed' {source.accessed.isoformat()} is after today; write the day you read the page")
            )
    return problems
