"""Issue 15: a clinic's own policy pattern can neither hang the build nor end it in an internal error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clinicsite.clinic import Policy
from clinicsite.linear import Linear
from clinicsite.policy import active_policy
from tests.conftest import PROJECT, run_cli
from tests.helpers import rule_of

HOUSE_STYLE = {"id": "house-style", "pattern": r"^(\w+\s?)*$", "message": "m", "why": "w"}


def policy_yaml(*rules: dict[str, str]) -> str:
    return "rules:\n" + "".join(f"  - {json.dumps(rule)}\n" for rule in rules)


def test_a_backtracking_clinic_pattern_cannot_hang_check(project: Path) -> None:
    (project / "content/policy.yaml").write_text(policy_yaml(HOUSE_STYLE))
    benefits = project / "content/treatments/sample-treatment/benefits.yaml"
    # backtracking `re` doubles its time with each character: 13 s at 41 (the review), years at 70
    claim = "word " * 14 + "it\u2019s"
    benefits.write_text(benefits.read_text() + f"    - text: {json.dumps(claim)}\n      cite: [jones-2019]\n")
    command = [sys.executable, str(PROJECT / "build.py"), "check", "--today", "2026-11-22"]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300, check=False)  # a hang guard, not a timing
    assert done.returncode == 1 and "internal error" not in done.stderr, done.stdout + done.stderr
    # it finished, and still matches what it matches: headings that are words only, not the claim with "it's"
    assert "benefits.yaml:2:10: error: 'First benefit': m (why: w) [house-style]" in done.stdout
    assert not any("benefits.yaml:8:" in line and rule_of(line) == "house-style" for line in done.stdout.splitlines())


def test_clinic_rules_are_searched_by_re2_and_still_find_their_words() -> None:
    rule = {"id": "no-discounts", "pattern": r"\bdiscount(s|ed)?\b|\d+% off", "message": "m", "why": "w"}
    policy = active_policy(Policy.model_validate({"rules": [rule, HOUSE_STYLE]}))
    kinds = {r.id: type(p) for r, p in policy.rules}
    assert kinds["no-discounts"] is Linear and kinds["house-style"] is Linear and kinds["guarantee"] is not Linear
    assert [(m.rule.id, m.words) for m in policy.matches("Get 20% OFF today.")] == [("no-discounts", "20% OFF")]
    assert [m.rule.id for m in policy.matches("Discounted and guaranteed.")] == ["guarantee", "no-discounts"]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"\b(\w+) \1\b", "cannot be searched in linear time (invalid escape sequence: \\1)"),
        ("(a)?(?(1)b|c)", "cannot be searched in linear time (invalid perl operator: (?()"),
        ("offer(?= ends)", "cannot be searched in linear time (invalid perl operator: (?=)"),
        ("a{4294967296}", "not a valid regular expression: counts or nesting too large"),
        ("(" * 1000 + "a" + ")" * 1000, "not a valid regular expression: counts or nesting too large"),
    ],
)
def test_an_odd_clinic_pattern_is_a_located_error_at_the_pattern(project: Path, pattern: str, message: str) -> None:
    (project / "content/policy.yaml").write_text(policy_yaml({"id": "odd", "pattern": pattern, "message": "m", "why": "w"}))
    result = run_cli("check")
    assert result.code == 1 and "internal error" not in result.err
    assert len(result.lines) == 1 and result.lines[0].startswith("content/policy.yaml:2:") and message in result.lines[0], result.lines
    assert result.lines[0].endswith("[value-format]")


def test_the_yes_or_no_search_answers_as_re2s_own_search_and_skips_its_python() -> None:
    import re2

    from clinicsite.linear import linear, matcher

    regex = re2.compile(r"\bguarantee[sd]?\b|100 ?%|ß", re2.Options())
    texts = ["", "a guarantee", "guaranteed.", "unguaranteed", "100%", "100 %", "10 0%", "Straße", "guarantee" * 3, "x" * 5000 + "100%"]
    found = matcher(regex)
    assert [found(t.encode()) for t in texts] == [regex.search(t.encode()) is not None for t in texts]
    assert found.__name__ == "found", "the installed google-re2 no longer has what matcher relies on: it fell back to re2's search"
    rule = linear(r"never\s+fails")
    assert rule is not None
    assert (rule.has_match("This never  fails."), rule.has_match("it may fail")) == (True, False)
    shown = [rule.first_match(t) for t in ("It NEVER fails, ok", "it may fail", "Größe never fails")]
    assert shown == ["NEVER fails", None, "never fails"]
