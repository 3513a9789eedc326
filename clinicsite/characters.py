"""Characters content may not hold, and line and column as an editor counts them.

libyaml counts U+2028, U+2029 and NEL as line breaks where editors do not, so one of them
shifted every later position by a line; a file is refused at the first of them instead.
YAML escapes ("\\x00", "\\e", "\\uFFFE") put control characters and noncharacters into
values: they reached page titles, made sitemap.xml ill-formed XML, and an escape sequence
in a value could repaint a terminal. Each value is refused at its position instead.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

#: Line breaks libyaml knows and editors do not show as such.
LINE_SEPARATORS = re.compile("[\u2028\u2029\x85]")
#: What no value may hold: control characters but tab and newline, line separators, noncharacters.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
#: (FORBIDDEN, the compiled class, is made when first asked for, as the classes below: compiling
#: them at import was 6 M instructions of every start-up, for what nearly no file needs.)
FORBIDDEN_CLASS = f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_NONCHARACTERS}]"
#: FORBIDDEN below U+10000, a class re tests with one table lookup: FORBIDDEN's astral
#: noncharacters make re compare each character with every member (~400 instructions a character).
_FORBIDDEN_BMP = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufdd0-\ufdef\ufffe\uffff]"
_ASTRAL = "[\U00010000-\U0010ffff]"
#: The ASCII characters FORBIDDEN leaves alone: tab, newline, and the printable ones.
_ALLOWED_ASCII = bytes([9, 10, *range(0x20, 0x7F)])
_BREAK = re.compile(r"\r\n|\r|\n")


@functools.cache
def compiled(pattern: str) -> re.Pattern[str]:
    """Return pattern compiled, the first time it is needed."""
    return re.compile(pattern)


def __getattr__(name: str) -> Any:
    """Return FORBIDDEN, what no value may hold, compiled the first time it is asked for."""
    if name == "FORBIDDEN":
        return compiled(FORBIDDEN_CLASS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def describe(char: str) -> str:
    """Return a character's code point and name, e.g. 'U+202E RIGHT-TO-LEFT OVERRIDE'."""
    name = unicodedata.name(char, "") or {"\x00": "NULL", "\x1b": "ESCAPE", "\x85": "NEXT LINE"}.get(char, "a control character")
    return f"U+{ord(char):04X} {name}"


def line_and_column(before: str) -> tuple[int, int]:
    """Return the 1-based line and column of the character after before; CRLF, CR and LF each end a line."""
    lines = _BREAK.split(before)
    return len(lines), len(lines[-1]) + 1


def holds_forbidden(value: str) -> bool:
    """Return True when value holds a character FORBIDDEN matches, as FORBIDDEN.search would find, in a tenth of its time.

    Searching a sign-off's 5,000-character block with FORBIDDEN was a twentieth of loading a treatment.
    """
    if value.isascii():  # O(1); deleting the allowed bytes leaves the forbidden ones
        return bool(value.encode("ascii").translate(None, _ALLOWED_ASCII))
    if compiled(_FORBIDDEN_BMP).search(value) is not None:
        return True
    return compiled(_ASTRAL).search(value) is not None and compiled(FORBIDDEN_CLASS).search(value) is not None


def forbidden_in(value: str) -> str | None:
    """Return the first character of value that no value may hold, or None."""
    found = compiled(FORBIDDEN_CLASS).search(value)
    return found.group(0) if found else None
