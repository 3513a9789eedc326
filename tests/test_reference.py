"""docs/reference.md is the code's own description, and the catalogue it is made from is true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from clinicsite import fingerprint, model
from clinicsite.diagnostics import RULES
from clinicsite.documents import MAX_DEPTH
from clinicsite.reference import LIMITS, REFERENCE_FILE, filled, reference_text
from clinicsite.signoff import REVIEW_WARNING_DAYS
from tests.conftest import FIXTURES, PROJECT, run_cli
from tests.helpers import rule_ids

REFERENCE = PROJECT / REFERENCE_FILE
#: The docs written by hand: a fact the code owns must not be copied into them.
HAND_WRITTEN = ("README.md", "docs/editing.md", "docs/architecture.md", "docs/deployment.md", "bench/README.md")


def test_committed_reference_is_what_the_code_says() -> None:
    assert REFERENCE.read_text() == reference_text(), "docs/reference.md is stale: run `python build.py reference` and commit it"


def test_reference_command_writes_the_file(tmp_path: Path) -> None:
    result = run_cli("reference", "--out", tmp_path / "ref.md")
    assert result.code == 0, result.err
    assert (tmp_path / "ref.md").read_text() == reference_text()


def test_every_limit_in_the_catalogue_is_a_constant() -> None:
    """A `{NAME}` the reference cannot fill, or a brace left over, would print as written."""
    for rule_id, rule in RULES.items():
        for text in (rule.meaning, rule.fix):
            assert "{" not in filled(text) and "}" not in filled(text), rule_id
    assert f"{MAX_DEPTH} levels deep" in filled(RULES["yaml-too-deep"].meaning)
    assert f"within {REVIEW_WARNING_DAYS} days" in filled(RULES["review-due"].meaning)
    used = {name for rule in RULES.values() for name in re.findall(r"\{(\w+)\}", rule.meaning + rule.fix)}
    assert used <= set(LIMITS), used - set(LIMITS)


def test_hand_written_docs_do_not_copy_the_limits() -> None:
    """ "30 days" and "40 levels" were written in five places and drifted; they live in the code and reference.md."""
    copies = (f"{MAX_DEPTH} levels", f"{REVIEW_WARNING_DAYS} days", "2 MiB")
    for name in HAND_WRITTEN:
        text = (PROJECT / name).read_text()
        for copy in copies:
            assert copy not in text, f"{name} repeats '{copy}'; link to docs/reference.md instead"


def _section(text: str, heading: str) -> str:
    """Return the text under a `**Model**:` heading of the field reference, up to the next one."""
    start = text.index(f"**{heading}**: ")
    following = text.find("\n**", start + 1)
    return text[start : following if following != -1 else len(text)]


def models() -> list[type[BaseModel]]:
    found = [v for v in (*vars(model).values(), fingerprint.SignOff) if isinstance(v, type) and issubclass(v, BaseModel)]
    return [m for m in dict.fromkeys(found) if m not in (model.Record, BaseModel)]


@pytest.mark.parametrize("cls", models(), ids=lambda c: c.__name__)
def test_reference_documents_every_model_and_field(cls: type[BaseModel]) -> None:
    text = reference_text()
    section = _section(text, cls.__name__)
    for name, field in cls.model_fields.items():
        row = next((line for line in section.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"docs/reference.md has no row for {cls.__name__}.{name}"
        assert field.description and " ".join(field.description.split()).replace("|", "\\|") in row


def test_reference_lists_every_rule_once_with_its_severity() -> None:
    rows = [line for line in reference_text().splitlines() if re.match(r"\| `[a-z0-9-]+` \| (error|warning|note)", line)]
    listed = {re.match(r"\| `([a-z0-9-]+)`", row).group(1): row.split(" | ")[1] for row in rows}  # type: ignore[union-attr]
    for rule_id, rule in RULES.items():
        assert listed[rule_id] == " or ".join(rule.severities), rule_id


SEVERITY_CALLS = {"error": "error", "warning": "warning", "note": "note"}


def test_catalogue_severities_are_the_ones_the_code_reports() -> None:
    """Each error()/warning()/note() call and Finding with a literal rule id uses a severity the catalogue declares."""
    checked = 0
    for path in (PROJECT / "clinicsite").glob("*.py"):
        for call in (n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)):
            literals = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if call.func.id in SEVERITY_CALLS and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant):
                rule, severity = call.args[1].value, SEVERITY_CALLS[call.func.id]
            elif call.func.id == "Finding" and len(literals) >= 2 and literals[0] in RULES:
                rule, severity = literals[0], literals[1]
            else:
                continue
            assert severity in RULES[rule].severities, f"{path.name}:{call.lineno}: {rule} reported as {severity}"
            checked += 1
    assert checked > 30  # the scan finds the calls (a rename of error() would make it find none)


def test_fixtures_report_rules_with_their_declared_severity() -> None:
    seen = 0
    for expected in sorted((FIXTURES / "errors").glob("*/expected.txt")):
        for line in expected.read_text().splitlines():
            severity = line.split(": ")[1]
            for rule in rule_ids([line]) & set(RULES):
                assert severity in RULES[rule].severities, f"{expected.parent.name}: {line}"
                seen += 1
    assert seen > 50
