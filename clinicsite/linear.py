"""A clinic's own policy patterns, searched by RE2 only: linear in the text, whatever the pattern."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
    found: Callable[[bytes], bool] = field(init=False, repr=False, compare=False)
    """regex's yes-or-no search of UTF-8 bytes (see matcher)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "found", matcher(self.regex))

    def has_match(self, text: str) -> bool:
        """Return True when the pattern matches somewhere in text."""
        return self.found(text.encode())

    def first_match(self, text: str) -> str | None:
        """Return the first match in text as written, or None."""
        if not self.found(text.encode()):  # nearly every text: no match object, no offsets in characters
            return None
        match = self.regex.search(text)
        return str(match.group(0)) if match else None


def matcher(regex: Any) -> Callable[[bytes], bool]:
    """Return a yes-or-no search of bytes by a compiled RE2 regex: RE2's own Match, without the module's Python around it.

    The module's search makes a generator, works out offsets and a match object on every
    call: 12.6 k instructions against Match's 8.9 k for a claim, searched twice a claim.
    Where the installed google-re2 does not hold what this relies on, its search is used.
    """
    raw, anchors, none = getattr(regex, "_regexp", None), getattr(re2, "_Anchor", None), getattr(re2, "_NULL_SPAN", None)
    if raw is None or anchors is None or none is None or not hasattr(raw, "Match"):  # pragma: no cover - another google-re2
        return lambda text: regex.search(text) is not None
    match, anywhere = raw.Match, anchors.UNANCHORED

    def found(text: bytes) -> bool:
        return bool(match(anywhere, text, 0, len(text))[0] != none)

    return found


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
