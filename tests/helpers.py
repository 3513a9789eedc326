"""Plain helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

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
