"""The claims-language policy: each built-in rule trips on its words and not on near misses."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicsite.clinic import Policy
from clinicsite.evidence import _NUMBER
from clinicsite.policy import DEFAULT_RULES, Insensitive, active_policy, insensitive, re2
from tests.conftest import PROJECT, Result
from tests.helpers import rule_of

#: rule id -> (texts that must trip it, near misses that must not).
CASES: dict[str, tuple[list[str], list[str]]] = {
    "guarantee": (["Results are guaranteed.", "We guarantee smoother skin."], ["There is no guard on the device."]),
    "no-risk": (["It has no side effects.", "A risk-free treatment.", "Done without risk."], ["No reports of infection were found.", "The risk is low."]),
    "safe-absolute": (["It is completely safe.", "The safest option.", "100% safe for you."], ["Use sun-safe habits.", "Safety was studied."]),
    "downtime": (["There is no downtime.", "A quick and easy fix.", "A lunchtime treatment."], ["Recovery takes a few days.", "Quick recovery was reported."]),
    "painless": (["The treatment is painless.", "Pain-free needling.", "It doesn't hurt."], ["Pain was rated 1 out of 10.", "Does it hurt?"]),
    "permanent": (["The results are permanent.", "Smooth skin that lasts forever."], ["Lasting problems are uncommon."]),
    "cure": (
        ["It cures acne scars.", "Eliminate wrinkles.", "Erase your scars.", "Scars are wiped out.", "Say goodbye to lines."],
        ["Keep the area secure.", "A procurement note."],
    ),
    "universal": (
        ["Safe for all skin types.", "Suitable for everyone.", "100% effective."],
        ["All six skin types were included.", "Each skin type was studied."],
    ),
    "non-invasive": (["A non-invasive treatment.", "Needle-free results.", "No needles involved."], ["A minimally invasive treatment."]),
    "regulator-approved": (["An FDA approved device.", "Approved by the MHRA."], ["The FDA has authorised some devices."]),
    "superlative": (
        ["The best results.", "A breakthrough in skin care.", "Our market-leading clinic.", "A revolutionary device."],
        ["Leading to new collagen.", "Misleading claims."],
    ),
    "pressure": (["Hurry, offer ends Friday!", "Don't delay.", "Limited spaces left."], ["Allow time to recover."]),
    "expectations": (["Flawless skin.", "Look ten years younger.", "Transform your skin.", "Results in just 7 days."], ["Changes were measured by day 90."]),
    "proven": (["Clinically proven results."], ["An assumed, not proven, benefit."]),
}


def test_every_default_rule_has_cases() -> None:
    assert set(CASES) == {rule.id for rule in DEFAULT_RULES}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_trips_on_its_words(rule_id: str) -> None:
    policy = active_policy(None)
    for text in CASES[rule_id][0]:
        assert rule_id in {m.rule.id for m in policy.matches(text)}, text


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_ignores_near_misses(rule_id: str) -> None:
    policy = active_policy(None)
    for text in CASES[rule_id][1]:
        assert rule_id not in {m.rule.id for m in policy.matches(text)}, text


def test_clinic_policy_disables_replaces_and_adds_rules() -> None:
    policy = active_policy(
        Policy.model_validate(
            {
                "disable": ["superlative"],
                "rules": [
                    {"id": "guarantee", "pattern": r"\bpromise\b", "message": "m", "why": "w"},
                    {"id": "prices", "pattern": r"% off", "severity": "warning", "message": "m", "why": "w"},
                ],
            }
        )
    )
    assert [m.rule.id for m in policy.matches("The best deal: 20% off, we promise.")] == ["guarantee", "prices"]
    assert policy.matches("Results are guaranteed.") == []


def test_the_issue_sentence_gives_three_located_errors(project: Path, cli: Callable[..., Result]) -> None:
    """Done-when of the evidence-integrity issue, on the valid clinic."""
    benefits = project / "content/treatments/sample-treatment/benefits.yaml"
    benefits.write_text(
        benefits.read_text()
        + '    - text: "Results are guaranteed and permanent, with no side effects."\n      cite: [{source: smith-2020, locator: p. 105}]\n'
    )
    result = cli("check")
    assert result.code == 1
    policy = [line for line in result.lines if rule_of(line) != "review-stale"]  # the new claim needs a sign-off too
    assert [rule_of(line) for line in policy] == ["guarantee", "no-risk", "permanent"]
    assert all(line.startswith("content/treatments/sample-treatment/benefits.yaml:8:13: error: ") for line in result.lines)


def test_real_content_passes_the_default_policy_without_policy_overrides() -> None:
    """The project's page may excuse evidence rules (reviewed in the closing note), never language rules."""
    policy_ids = {rule.id for rule in DEFAULT_RULES}
    for path in (PROJECT / "content/treatments").rglob("*.yaml"):
        text = path.read_text()
        assert not any(f"rule: {rule_id}" in text for rule_id in policy_ids), path


def _rule(rule_id: str, pattern: str) -> dict[str, str]:
    return {"id": rule_id, "pattern": pattern, "message": "m", "why": "w"}


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"\bbest\b", "The BEST result", "BEST"),
        (r"\bbest\b", "ébest", None),  # not ASCII: é is a letter, so no word boundary
        (r"\bnaïve\b", "NAÏVE", "NAÏVE"),  # a pattern that is not ASCII
        (r"\bs\b", "\u017f", "\u017f"),  # long s folds to s only under Unicode rules
        (r"\bk\b", "\u212a", "\u212a"),  # so does the Kelvin sign to k
        (r"pain\sless", "pain\x1cless", "pain\x1cless"),  # Unicode \s matches \x1c; ASCII \s does not
        (r"(?u)safe", "SAFE", "SAFE"),  # an inline Unicode flag: compiled once, as written
        (r"\d+ days", "in 3 days", "3 days"),
        (r"\d+ days", "in \u0663 days", "\u0663 days"),  # Arabic-Indic three is a digit to Unicode
        (r"\bbe[s-t]+\b", "The BEST result", "BEST"),  # searched lowercased, shown as written
        (r"[!-_]x", "bx", "bx"),  # ignoring case, this range holds every letter: not searched lowercased
        (r"[\x41-\x5a]", "b", "b"),  # nor are capitals written as escapes
        (r"a(?!(?-i:b))", "aB", "a"),  # nor flags and lookarounds
        (r"\u212a", "K", "K"),  # an ASCII-spelled Kelvin sign folds to k: Unicode rules
        (r"\N{KELVIN SIGN}", "k", "k"),
        (r"\bgoodb[\u0100-\u017f]e\b", "Say goodbSe", "goodbSe"),  # the range holds the long s
    ],
)
def test_insensitive_finds_what_unicode_matching_finds(pattern: str, text: str, found: str | None) -> None:
    assert insensitive(pattern).first_match(text) == found
    unicode = re.compile(pattern, re.IGNORECASE).search(text)
    assert (unicode.group(0) if unicode else None) == found


#: The built-in rules, the number pattern and the combined screen, and patterns of each kind _LOWERABLE refuses.
PATTERNS = [rule.pattern for rule in DEFAULT_RULES] + [_NUMBER.unicode.pattern, active_policy(None).screen.unicode.pattern]  # type: ignore[union-attr]
PATTERNS += [r"[!-_]+", r"[\x41-\x5a]", r"a(?!(?-i:b))", r"\bk\b", r"x\sy", r"[^a-z]+", r"(?P<w>ab)\1?", r"[a-z-]+ \d"]
PATTERNS += [r"\u212a", r"[\x80-\uffff]+", r"\N{LATIN SMALL LETTER LONG S}"]


@settings(max_examples=300)
@given(
    pattern=st.sampled_from(PATTERNS),
    text=st.text(alphabet=st.sampled_from("abkssyxABKSYX -_!?%'0123456789\x1c\u017f\u212a\u0663é"), max_size=30)
    | st.sampled_from([t for trips, misses in CASES.values() for t in trips + misses]).map(str.upper),
)
def test_insensitive_agrees_with_unicode_matching_on_any_text(pattern: str, text: str) -> None:
    unicode = re.compile(pattern, re.IGNORECASE).search(text)
    assert insensitive(pattern).first_match(text) == (unicode.group(0) if unicode else None)


@pytest.mark.parametrize(
    "extra",
    [
        [],
        [_rule("repeat", r"\b(\w+) \1\b")],  # a backreference: RE2 refuses it (validation reports it), so it is left out
        [_rule("one", r"(?P<w>deal)"), _rule("two", r"(?P<w>offer)")],  # a clinic's rules are searched by RE2, outside the screen
    ],
)
def test_screen_finds_exactly_what_each_rule_finds(extra: list[dict[str, str]]) -> None:
    policy = active_policy(Policy.model_validate({"rules": extra}))
    texts = [t for trips, misses in CASES.values() for t in trips + misses] + ["It is is fine.", "A deal and an offer.", "Plain text."]
    for text in texts:
        expected = [(rule.id, words) for rule, pattern in policy.rules if (words := pattern.first_match(text)) is not None]
        assert [(m.rule.id, m.words) for m in policy.matches(text)] == expected, text
    assert policy.screen is not None and "repeat" not in policy.ids
    assert [m.rule.id for m in policy.matches("A deal and an offer.")] == (["one", "two"] if len(extra) == 2 else [])


#: Patterns of the kind searched lowercased (see policy._LOWERABLE), built from the parts where
#: RE2 and `re` could differ: \s, \b, \d, ., classes, quantifiers (lazy, possessive, {,n}), ^ and $.
_ATOMS = st.sampled_from(["a", "b", "s", " ", "-", "!", "0", r"\b", r"\w", r"\s", r"\d", r"\.", ".", "[a-c]", r"[\w-]", "[ab ]", "[0-9]"])
_QUANTIFIERS = st.sampled_from(
    ["", "", "*", "+", "?", "{1,2}", "{2}", "{,2}", "{2,}", "*?", "+?", "*+", "{02}", "{0,01}", "{1,0000000002}", "{0}", "{", "}", "{a}"]
)


def _lowerable_patterns() -> st.SearchStrategy[str]:
    def sequence(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.lists(st.tuples(parts, _QUANTIFIERS).map("".join), min_size=1, max_size=4).map("".join)

    def grouped(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        alternation = st.lists(sequence(inner), min_size=1, max_size=3).map("|".join)
        return st.tuples(st.sampled_from(["(", "(?:"]), alternation).map(lambda t: f"{t[0]}{t[1]})")

    atoms = st.recursive(_ATOMS, grouped, max_leaves=6)
    body = st.lists(sequence(atoms), min_size=1, max_size=3).map("|".join)
    return st.tuples(st.sampled_from(["", "^"]), body, st.sampled_from(["", "$"])).map("".join)


@settings(max_examples=500)
@given(pattern=_lowerable_patterns(), text=st.text(alphabet=st.sampled_from("abs AB-!.0\t\n\r\v\f\x1c\x00\x7fé"), max_size=12))
def test_found_answers_as_unicode_matching_does(pattern: str, text: str) -> None:
    """Whether RE2 or `re` answers, `has_match` is True exactly where case-insensitive `re` finds a match."""
    try:
        expected = re.compile(pattern, re.IGNORECASE).search(text) is not None
    except re.error:
        return  # not a pattern the policy would accept
    assert insensitive(pattern).has_match(text) == expected


@pytest.mark.skipif(re2 is None, reason="google-re2 is not installed")
@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"no risk$", "No risk\n"),  # re's $ also matches before a final newline
        (r"a{,2}b", "B"),  # re: up to two a's; RE2 would read the characters {,2}
        (r"ab{02}c", "ABBC"),  # re: two b's; RE2 would read a leading zero as characters
        (r"ab{0,1000000000}c", "AC"),  # and a count of ten digits
        (r"x\sy", "x\vy"),  # re's \s takes in \v, RE2's does not
        (r"x\sy", "x\x1cy"),
        (r"a(?=b)", "AB"),  # a lookahead: RE2 does not do it
    ],
)
def test_found_leaves_to_re_what_re2_reads_otherwise(pattern: str, text: str) -> None:
    assert insensitive(pattern).has_match(text)


@pytest.mark.skipif(re2 is None, reason="google-re2 is not installed")
def test_the_default_screen_and_number_pattern_are_searched_by_re2() -> None:
    """The speed-up is in force for the patterns every claim meets (the build's benchmark relies on it)."""
    screen = active_policy(None).screen
    assert screen is not None and screen.linear is not None
    assert _NUMBER.linear is not None
    assert insensitive(r"no risk$").linear is None and insensitive(r"a(?=b)").linear is None
    assert insensitive(r"ab{2}c").linear is not None and insensitive(r"ab{1,3}c").linear is not None and insensitive(r"ab{2,}c").linear is not None
    assert insensitive(r"ab{02}c").linear is None and insensitive(r"ab{1,02}c").linear is None
    assert insensitive(r"b{1000}").linear is not None and insensitive(r"b{1001}").linear is None  # past RE2's limit: re
    # (the generated patterns leave out counts of a thousand: nested, they take re minutes)


def test_built_in_rules_compile_every_way_though_only_when_first_searched() -> None:
    """The built-in patterns are not checked when the policy is made (24 ms of every build): they are checked here."""
    policy = active_policy(None)
    forms = [pattern for _, pattern in policy.rules] + [policy.screen]
    assert all(isinstance(p, Insensitive) and "unicode" not in vars(p) and "lower" not in vars(p) for p in forms)
    for form in forms:
        assert isinstance(form, Insensitive) and form.unicode.flags & re.IGNORECASE and form.ascii.pattern == form.unicode.pattern
        assert (form.lower is not None) == form.simple
    fewer = active_policy(Policy.model_validate({"disable": [DEFAULT_RULES[0].id, DEFAULT_RULES[-1].id]})).screen
    assert fewer is not None and fewer.unicode.search(CASES[DEFAULT_RULES[1].id][0][0])
    with pytest.raises(re.error):
        insensitive(r"(?P<w>a)|(?P<w>b)")  # a pattern of a clinic's, where RE2 is missing, is still checked at once
