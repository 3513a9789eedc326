"""The claims-language policy: words a clinic's page must not use, and what to say instead.

The built-in rules below apply unless content/policy.yaml switches one off (`disable`)
or replaces it (a rule with the same id). Each rule is matched case-insensitively against
claim text and record headings; a claim's `allow` entry, with its reason, lets one claim
through one rule and is shown to the reviewer instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

try:  # Google's RE2 (C++, linear time): only ever asked whether text matches at all (Insensitive.has_match)
    import re2
except ImportError:  # pragma: no cover - a declared dependency; without it `re` answers alone, slower
    re2 = None

from clinicsite.clinic import Policy, PolicyRule
from clinicsite.linear import Linear, linear, linear_refusal, matcher

_CAP = "UK CAP Code rules 3.1 and 3.7 (misleading claims, substantiation)"
_CAP_HEALTH = "UK CAP Code rule 12.1 (health claims need evidence from trials on people)"
_AHPRA = "Ahpra guidelines for advertising a regulated health service (unreasonable expectations)"
_FTC = "US FTC Health Products Compliance Guidance"


def _rule(rule_id: str, pattern: str, message: str, why: str, severity: str = "error") -> PolicyRule:
    return PolicyRule.model_validate({"id": rule_id, "pattern": pattern, "severity": severity, "message": message, "why": why})


#: The built-in rules, in the order docs/reference.md lists them.
DEFAULT_RULES: tuple[PolicyRule, ...] = (
    _rule(
        "guarantee",
        r"\bguarantee(s|d)?\b",
        "promises a result no treatment can promise; say what studies found, e.g. 'in a study of 48 adults, wrinkles improved'",
        f"{_CAP}; {_AHPRA}",
    ),
    _rule(
        "no-risk",
        r"\bno (side[- ]?effects?|risks?)\b|\brisk[- ]free\b|\bwithout (any )?risks?\b|\bzero risk\b",
        "denies risk; name the common side effects and how long they last instead",
        f"{_CAP}; {_CAP_HEALTH}",
    ),
    _rule(
        "safe-absolute",
        r"\b(completely|totally|perfectly|absolutely|entirely|100 ?%|100 per ?cent) safe\b|\bsafest\b",
        "an absolute safety claim; say which side effects were reported and how often",
        f"{_CAP}; {_FTC}",
    ),
    _rule(
        "downtime",
        r"\bno[- ]downtime\b|\bzero[- ]downtime\b|\bno recovery time\b|\bquick and easy\b|\blunch[- ]?time\b",
        "trivialises recovery; say how long redness or swelling usually lasts, e.g. 'up to about a week'",
        f"{_CAP}; {_AHPRA}",
    ),
    _rule(
        "painless",
        r"\bpain[- ]?less\b|\bpain[- ]free\b|\b(doesn't|does not|won't|will not|shouldn't|should not) hurt\b",
        "denies pain; say what people felt and that numbing cream is used, e.g. 'it can still be uncomfortable'",
        f"{_CAP}; {_AHPRA}",
    ),
    _rule(
        "permanent",
        r"\bpermanent(ly)?\b|\blasts? forever\b|\blife[- ]?long results?\b|\bnever come back\b",
        "promises lasting results; say how long people were followed up, e.g. 'checked for up to a year'",
        f"{_CAP}; {_AHPRA}",
    ),
    _rule(
        "cure",
        r"\bcur(e|es|ed|ing)\b|\beliminat(e|es|ed|ing)\b|\berase[sd]?\b|\bwip(e|es|ed|ing) out\b|\bsay goodbye to\b|\bget rid of\b",
        "promises removal; studies report improvement, e.g. 'scars looked better but did not go away'",
        f"{_CAP_HEALTH}; {_AHPRA}",
    ),
    _rule(
        "universal",
        r"\ball skin (types|tones)\b|\b(suitable|safe|right|works?) for (everyone|everybody|all)\b|\b100 ?% effective\b",
        "claims it suits or works for everyone; say who was studied and who needs extra care (e.g. darker skin)",
        f"{_CAP}; {_CAP_HEALTH}",
    ),
    _rule(
        "non-invasive",
        r"\bnon[- ]?invasive\b|\bno needles\b|\bneedle[- ]free\b",
        "microneedling punctures the skin; the sources call it minimally invasive",
        f"{_CAP}; FDA 'Microneedling Devices' page (needles puncture the skin)",
    ),
    _rule(
        "regulator-approved",
        r"\b(fda|mhra|tga|ce)[- ]approved\b|\bapproved by the (fda|mhra|tga)\b",
        "regulators authorise or clear specific devices for specific uses; name the device's authorised use, or leave it out",
        f"{_CAP}; {_FTC}",
    ),
    _rule(
        "superlative",
        r"\bbest\b|\b(market|industry|world)[- ]leading\b|\bthe leading\b|\bmost advanced\b|\bbreakthrough\b|\brevolutionary\b|\bmiracle\b|\bcutting[- ]edge\b",
        "a superlative no study measures; describe what the treatment does instead",
        f"{_CAP}; {_AHPRA}",
        severity="warning",
    ),
    _rule(
        "pressure",
        r"\bhurry\b|\boffer ends\b|\b(don't|do not) delay\b|\blimited (spaces|places|slots|availability|time)\b|\bact now\b|\bbook (now|today)\b",
        "pressures patients to decide; health decisions need time and a consultation",
        f"{_CAP}; {_AHPRA}",
    ),
    _rule(
        "expectations",
        r"\bflawless\b|\blook (\w+ )?years younger\b|\btransform(s|ed|ing)? (your|the) (skin|face|look)\b"
        r"|\bin (just|only) (\d+|a few) days\b|\binstant(ly)? results?\b",
        "sets an unrealistic expectation; say what change studies measured and when",
        f"{_AHPRA}; {_CAP_HEALTH}",
    ),
    _rule(
        "proven",
        r"\b(clinically|scientifically|medically) proven\b",
        "overstates the evidence; say what kind of study found what, e.g. 'a small trial found'",
        f"{_CAP_HEALTH}; {_FTC}",
        severity="warning",
    ),
)


@dataclass(frozen=True)
class Match:
    """One place where text breaks a rule."""

    rule: PolicyRule
    words: str
    """The matched words, as written."""


#: Text in which ASCII-only matching behaves exactly as Unicode matching: ASCII, and none
#: of the control characters \x1c-\x1f that Unicode's \s matches and ASCII's does not.
_NOT_PLAIN_ASCII = re.compile(r"[^\x00-\x1b\x20-\x7f]")


#: Patterns made only of these parts find in lowercased plain-ASCII text, case-sensitively,
#: exactly what they find in the text case-insensitively, at the same places: characters
#: other than capitals, brackets and backslashes; groups (no flags, no lookarounds);
#: \b \w \s \d \n \t and escaped punctuation; classes without capitals or ^, whose only
#: ranges are a-z and 0-9 style. ([!-_] would not do: ignoring case, it holds every letter.)
_LOWERABLE = re.compile(
    r"""(?x) (?: [^A-Z\\\[\](] | \((?!\?) | \(\?: | \\[bwsdnt] | \\[^A-Za-z0-9]
        | \[ -? (?: [a-z]-[a-z] | [0-9]-[0-9] | [^A-Z\\\[\]\-^] | \\[wsdnt] | \\[^A-Za-z0-9] )* -? \] )*"""
)


#: Text in which RE2 finds a lowerable pattern wherever `re` does: tab, newline, return and
#: printable ASCII. (RE2's \s leaves out \v, \f aside, and the \x1c-\x1f that `re`'s takes in.)
_NOT_RE2_TEXT = re.compile(r"[^\t\n\r\x20-\x7e]")
#: Lowerable patterns RE2 reads otherwise, left to `re`: any `$` (`re` also matches before a
#: final newline), and any brace but a plain count {n}, {n,} or {n,m}: RE2 reads `{,n}`, a
#: number with a leading zero and one of ten digits or more as the characters themselves,
#: where `re` counts. (Escaped braces and dollars are refused too: only speed is lost.)
_COUNT = r"(?:0|[1-9][0-9]{0,3})"
_NOT_RE2_PATTERN = re.compile(rf"\$|\{{(?!{_COUNT}(?:,{_COUNT}?)?\}})")


def _linear(pattern: str) -> Any:
    """Return a lowerable pattern's yes-or-no search (linear.matcher) by RE2, of _NOT_RE2_TEXT-free text lowercased to bytes, or None."""
    if re2 is None or _NOT_RE2_PATTERN.search(pattern):
        return None
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # bytes in, no UTF-8 offsets to work out
    options.never_capture = True  # without groups RE2 runs its DFA only: ~1.5 µs a claim against re's 12
    options.log_errors = False  # a pattern RE2 refuses is left to `re`, not printed on every build
    try:
        return matcher(re2.compile(pattern.encode("ascii"), options))
    except re2.error:  # what RE2 does not do: lookarounds, backreferences, possessive quantifiers
        return None


@dataclass(frozen=True)
class Insensitive:
    """A case-insensitive pattern, searched the fastest way that finds the same.

    Python's `re` ignores case slowly: Unicode rules cost about three times ASCII rules,
    which cost about twice a case-sensitive search of the lowercased text. Nearly all claim
    text is plain ASCII, where an ASCII pattern finds exactly what the Unicode one finds,
    and a simple pattern (see _LOWERABLE) finds the same in the lowercased text. Other
    text, or a pattern that is not ASCII itself, is searched with Unicode rules.

    Each `re` form is compiled when first searched: compiling the built-in rules and their
    screen three ways was 24 ms of every build before its treatments started, and RE2
    answers nearly every search (has_match); `re` finds the words of a match.
    """

    pattern: str
    simple: bool = False
    """The pattern is ASCII and lowerable (_LOWERABLE): `lower` and `linear` search it."""
    linear: Callable[[bytes], bool] | None = field(default=None, compare=False)
    """`lower` searched by RE2 (see _linear), when RE2 reads it as `re` does: for `has_match` only."""

    @cached_property
    def unicode(self) -> re.Pattern[str]:
        """The pattern with Unicode rules: what every other form must find the same as."""
        return re.compile(self.pattern, re.IGNORECASE)

    @cached_property
    def ascii(self) -> re.Pattern[str]:
        """The pattern with ASCII rules, for plain ASCII text (the Unicode one where those differ or cannot apply)."""
        if not self.pattern.isascii() or _NON_ASCII_ESCAPE.search(self.pattern):
            return self.unicode
        try:
            return re.compile(self.pattern, re.IGNORECASE | re.ASCII)
        except (re.error, ValueError):  # e.g. an inline (?u) flag: "ASCII and UNICODE flags are incompatible"
            return self.unicode

    @cached_property
    def lower(self) -> re.Pattern[str] | None:
        """The pattern case-sensitively, for lowercased plain ASCII text, when it is simple."""
        return re.compile(self.pattern) if self.simple else None

    def has_match(self, text: str) -> bool:
        """Return True when first_match(text) would find one, asking RE2 where it answers the same."""
        if self.linear is not None and ((text.isascii() and text.isprintable()) or not _NOT_RE2_TEXT.search(text)):  # str methods first
            return self.linear(text.lower().encode("ascii"))
        return self.first_match(text) is not None

    def first_match(self, text: str) -> str | None:
        """Return the first match in text as written, as the Unicode pattern would find it, or None."""
        if not (text.isascii() and text.isprintable()) and _NOT_PLAIN_ASCII.search(text):  # printable ASCII is plain
            match = self.unicode.search(text)
        elif self.lower is not None:
            match = self.lower.search(text.lower())  # ASCII lowercase keeps every character's place
            return text[match.start() : match.end()] if match else None
        else:
            match = self.ascii.search(text)
        return match.group(0) if match else None


#: An ASCII-spelled escape for a character beyond \xff (\u212a, \U0001..., \N{KELVIN SIGN}),
#: which may fold to an ASCII letter (the Kelvin sign to k). \xNN and octal escapes cannot:
#: nothing in U+0080-U+00FF folds to ASCII. (An escaped backslash before u only costs speed.)
_NON_ASCII_ESCAPE = re.compile(r"\\[uUN]")


def insensitive(pattern: str, checked: bool = True) -> Insensitive:
    """Return pattern to search case-insensitively each way (see Insensitive); raises re.error, unless checked is False.

    checked=False is for the built-in rules and their screen, which tests/test_policy.py
    compiles every way: their `re` forms are compiled when first used, if ever.
    """
    # lowerable patterns hold no inline flags, so their ASCII form compiles whenever the Unicode one does
    simple = pattern.isascii() and not _NON_ASCII_ESCAPE.search(pattern) and _LOWERABLE.fullmatch(pattern) is not None
    found = Insensitive(pattern, simple, _linear(pattern) if simple else None)
    if checked:
        found.unicode  # noqa: B018 - compiled now: this is what raises re.error
    return found


#: A backreference (\1, (?P=name)) would point at the wrong group inside a combined pattern.
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def clinic_pattern(pattern: str) -> Linear | Insensitive:
    """Return a clinic's pattern compiled for RE2 (raises ValueError when RE2 refuses it; see linear_refusal)."""
    refusal = linear_refusal(pattern)
    if refusal is not None:
        raise ValueError(refusal)
    return linear(pattern) or insensitive(pattern)  # `re` only where RE2 is not installed (a declared dependency)


@dataclass(frozen=True)
class ActivePolicy:
    """The rules in force: the defaults with the clinic's changes applied, compiled."""

    rules: tuple[tuple[PolicyRule, Insensitive | Linear], ...]
    screen: Insensitive | None = None
    """Matches wherever any rule but the unscreened ones matches. Most text breaks no rule,
    and one search of the alternation costs about half of one search per rule."""
    unscreened: tuple[tuple[PolicyRule, Insensitive | Linear], ...] = ()
    """Rules left out of the screen (the clinic's own, searched by RE2, and built-in rules
    with backreferences): always searched."""

    @property
    def ids(self) -> frozenset[str]:
        """Return the ids of the rules in force."""
        return frozenset(rule.id for rule, _ in self.rules)

    def matches(self, text: str) -> list[Match]:
        """Return the first match of each rule in text."""
        rules = self.rules if self.screen is None or self.screen.has_match(text) else self.unscreened
        if not rules:  # nearly every text: the screen found nothing and every rule is screened
            return []
        return [Match(rule, words) for rule, words in ((rule, pattern.first_match(text)) for rule, pattern in rules) if words is not None]


def _screen(rules: list[PolicyRule]) -> Insensitive | None:
    """Return one pattern matching where any of rules matches, or None if they cannot be combined."""
    built_in = all(rule in DEFAULT_RULES for rule in rules)  # clinic rules are screened only where RE2 is missing
    try:
        return insensitive("|".join(f"(?:{rule.pattern})" for rule in rules), checked=not built_in) if rules else None
    except re.error:  # e.g. two rules naming the same group
        return None


def active_policy(policy: Policy | None) -> ActivePolicy:
    """Return the rules in force: defaults, minus disabled ids, replaced or extended by the clinic's rules.

    Only built-in rules go through `re` and the combined screen; a clinic's rules are
    searched by RE2 (see Linear), and one RE2 refuses is left out: validation reports it.
    """
    policy = policy or Policy()
    by_id: dict[str, tuple[PolicyRule, Insensitive | Linear]] = {
        rule.id: (rule, insensitive(rule.pattern, checked=False)) for rule in DEFAULT_RULES if rule.id not in policy.disable
    }
    for rule in policy.rules:
        try:
            by_id[rule.id] = (rule, clinic_pattern(rule.pattern))
        except ValueError:
            by_id.pop(rule.id, None)
    compiled = tuple(by_id.values())
    screened = [rule for rule, pattern in compiled if isinstance(pattern, Insensitive) and not _BACKREFERENCE.search(rule.pattern)]
    screen = _screen(screened)
    unscreened = tuple(pair for pair in compiled if screen is None or pair[0] not in screened)
    return ActivePolicy(compiled, screen, unscreened)


def default_ids() -> Iterable[str]:
    """Return the ids of the built-in rules."""
    return (rule.id for rule in DEFAULT_RULES)
