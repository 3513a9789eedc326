"""Plain helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from pathlib import Path

from clinicsite.clinic import Site
from clinicsite.loader import load_site_files, load_treatment, treatment_folders
from clinicsite.validate import validate_site_files, validate_treatment

#: The rule id a diagnostic line ends with, in every format: `... [rule-id]` (text), `\[rule-id\]` (markdown).
_RULE_AT_END = re.compile(r"\\?\[([a-z0-9]+(?:-[a-z0-9]+)*)\\?\]$")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under folder, by its path relative to folder, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def rule_of(line: str) -> str | None:
    """Return the rule id a diagnostic line ends with, or None when it does not end with one."""
    found = _RULE_AT_END.search(line.rstrip())
    return found.group(1) if found else None


def rule_ids(lines: Iterable[str]) -> set[str]:
    """Return the rule ids the diagnostic lines end with, parsed exactly (never a substring of the message)."""
    return {rule for rule in map(rule_of, lines) if rule is not None}


def rules_in(text: str) -> list[str]:
    """Return the rule id of each line of printed output that ends with one, in order."""
    return [rule for rule in map(rule_of, text.splitlines()) if rule is not None]


def validated_site(content: Path, today: datetime.date) -> Site:
    """Return content's site as validation makes it; fail the test when any record is not valid.

    A build keeps no Site (its treatments may be validated in worker processes), so this
    puts one together from the very functions the pipeline runs for each stage.
    """
    tree, problems = load_site_files(content)
    facts, found = validate_site_files(tree, today)
    folders, stray = treatment_folders(content)
    treatments = []
    for folder in folders:
        files, loaded = load_treatment(folder, content)
        assert files is not None, loaded
        treatment, more = validate_treatment(files, facts)
        assert treatment is not None, more
        treatments.append(treatment)
    assert facts.info is not None and facts.sources is not None, [*problems, *found, *stray]
    return Site(facts.info, facts.sources, tuple(treatments))
