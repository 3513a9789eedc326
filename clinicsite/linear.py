"""A clinic's own policy patterns, searched by RE2 only: linear in the text, whatever the pattern."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

try:  # Google's RE2 (C++, linear time), a declared dependency
    import re2
except ImportError:  # pragma: no cover - without it the policy falls back to `re`, with its risks
    re2 = None


@dataclass(frozen=True)
class Linear:
    r"""A clinic's own pattern, searched case-insensitively by RE2 only: linear in the text, whatever the pattern.

    `re` backtracks: the house-style rule ^(\w+\s?)*$ took 13 s on a 41-character claim,
    doubling with each character, and kept `check` on the real content running for minutes.
    RE2 never backtracks; the price is its syntax (no backreferences, lookarounds or
    conditional groups; \w, \d and \b are ASCII), which linear_refusal reports at the pattern.
    """

    regex: Any

    def has_match(self, text: str) -> bool:
        """Return True when the pattern matches somewhere in text."""
        return self.regex.search(text) is not None

    def first_match(self, text: str) -> str | None:
        """Return the first match in text as written, or None."""
        match = self.regex.search(text)
        return str(match.group(0)) if match else None


def _re2_options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


def linear_refusal(pattern: str) -> str | None:
    """Return why RE2 cannot search pattern (so a clinic may not use it), or None when it can."""
    if re2 is None:  # pragma: no cover - a declared dependency
        return None
    try:
        re2.compile(pattern, _re2_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    return None


def linear(pattern: str) -> Linear | None:
    """Return pattern compiled for RE2 (case-insensitively), or None without RE2; raises re2.error (see linear_refusal)."""
    return Linear(re2.compile(pattern, _re2_options())) if re2 is not None else None
