"""The fast path of parsing: a plain YAML document read by yaml-rs (Rust), without PyYAML's node graph.

Composing every file with PyYAML, then converting the nodes, was a fifth of a full build,
and nearly no position it recorded is ever shown. yaml-rs reads a plain document about
seven times faster, but it gives no positions and reads some input differently: it resolves
YAML 1.2's numbers and booleans, expands aliases, ignores unknown tags, reads several
documents as a list. So a document takes this path only when the result is certainly the
data documents.parse_yaml makes, and that parse would report nothing: every string a str,
every plain null None, no diagnostic. Anything else is None here and is parsed by PyYAML as
before, so every diagnostic, message and position stays PyYAML's; a document that took
this path is composed by PyYAML only if a diagnostic asks where one of its values is.
tests/test_plainyaml.py holds both readings equal on generated documents.
"""

from __future__ import annotations

import re
from typing import Any

import yaml_rs

from clinicsite.characters import FORBIDDEN_CLASS, compiled

#: Characters the fast path leaves to PyYAML: all but newline, printable ASCII and the
#: characters libyaml reads as text (tab, CR, NEL, controls, BOM, noncharacters included).
#: Compiled only for a text that needs it (not ASCII, not printable): at import it was 30 M
#: instructions, 3% of every start-up.
_UNUSUAL = "[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|" + FORBIDDEN_CLASS
#: Each byte's part in _different, spaces deleted: S may come before a node's first
#: character (or the text's start), M is a mark yaml-rs reads differently where a node
#: starts (anchor, alias, tag, block scalar), B is both ('?' an explicit key, ':'), and C a
#: control character (in ASCII text, what _UNUSUAL finds). Other bytes, UTF-8's included, are '.'.
_ROLES = bytes(
    b"S"[0] if char in "\n-,[{" else b"M"[0] if char in "&*!|>" else b"B"[0] if char in "?:" else b"C"[0] if char < " " or char == "\x7f" else b"."[0]
    for char in map(chr, range(256))
)
#: A mark or both where a node may start (after the text's start, see _different).
_MARK_AFTER_START = (b"SM", b"SB", b"BM", b"BB")
#: ':' just before a flow's ',', ']' or '}': an error to libyaml, a key to yaml-rs.
_FLOW_COLON = re.compile(rb":[,\]}]")
#: '---' or '...' at a line's start may end a document (yaml-rs reads a stream as a list); '%' starts a directive.
_DOCUMENT_MARK = re.compile(rb"\n(?:---|\.\.\.|%)")
#: Where a value may start (a line's start, after ':', '[', ',', '{', '?' or '- '), a whole
#: number str(int) would not write back: '+', '-0', a leading zero (0x, 0o, 0b), an '_'.
#: Prose may match too (it is then left to PyYAML). sources.yaml's years and site.yaml's
#: months are numbers to yaml-rs: reading them, and importing PyYAML for it, was 26 M
#: instructions of gen20's check. Every int yaml-rs reads from tokens of "+-0123_xob.eE " up to
#: five long, in block, flow and next-line values, is either written back or found here.
_ODD_NUMBER = re.compile(rb"(?m)(?:^|[:\[,{?]|-[ \t])[ \t]*(?:\+|-0|[-+]?0[0-9A-Za-z_.]|[-+]?[0-9]*_)")
#: libyaml refuses an implicit key longer than 1,024 characters; such keys are left to it.
_LONGEST_KEY = 512
#: Any alias is an error here, so the document goes to PyYAML, which refuses it as yaml-alias.
_NO_ALIASES = yaml_rs.AliasLimits(max_total_replayed_events=0)


class _NotPlain(Exception):
    """The data holds something PyYAML's reading would give differently or report."""


class _Numbers(Exception):
    """The data holds a whole number, and the text was not yet searched for numbers written otherwise."""


def _plain_text(text: str) -> bool:
    """Return True when text holds no character, tag, directive or document marker the fast path leaves to PyYAML.

    Tested on the UTF-8 bytes, the roles of every byte made by one bytes.translate: the
    character scans, a str.find per ':' and a Python test per character found, were a
    third of reading a file.
    """
    raw = text.encode()
    roles = raw.translate(_ROLES, b" ")
    if text.isascii():  # O(1); then a control character is a C among the roles
        if b"C" in roles:
            return False
    # isprintable is C-fast and True for nearly every file; the expression runs only when it is not
    elif not text.replace("\n", "").isprintable() and compiled(_UNUSUAL).search(text):
        return False
    # a backslash: a double-quoted escape may make a character the text does not hold (content writes none)
    if b"\\" in raw or _different(raw, roles):
        return False
    return not (raw.startswith((b"---", b"...", b"%")) or _DOCUMENT_MARK.search(raw))


def _different(raw: bytes, roles: bytes) -> bool:
    """Return True when text (raw: its UTF-8; roles: _ROLES of it) may hold what libyaml and yaml-rs are known to read differently.

    That is an anchor, alias, tag, explicit key, block scalar or colon where a node may
    start (yaml-rs allows other anchor names, drops tags PyYAML refuses, keeps an empty
    block's line break, reads '?' after a flow comma or ':' at a flow scalar's start as
    text), or a colon just before a flow's end. Found by tests/test_plainyaml.py.
    Content writes none of them (sign-offs.yaml has block scalars); '&', '*' and '?' inside
    prose are passed over. With the spaces deleted, the role before a byte's is that of the
    first non-space before it in the text, so each case is a substring test.
    """
    # '!', '|' or '>' after a space (memchr first: content rarely holds them at all)
    for mark in (b"!", b"|", b">"):
        if mark in raw and b" " + mark in raw:
            return True
    if roles[:1] in (b"M", b"B") or any(pair in roles for pair in _MARK_AFTER_START):
        return True
    return _FLOW_COLON.search(raw) is not None


def _check(value: Any, depth: int, ints: bool | None, max_depth: int) -> None:
    """Raise _NotPlain unless value is mappings of text keys, lists, strings and None, nested at most max_depth deep.

    ints: every whole number in the text is written as str(int) writes it, so a number yaml-rs
    read inside a mapping or list becomes that text, as PyYAML's reading keeps it; None: not
    known yet, and _Numbers is raised at the first number (before anything is changed).
    Strings and None inside a mapping or list are tested in place, not by a call each:
    calls for them were two thirds of this walk.
    """
    kind = type(value)
    if kind is dict:
        if depth >= max_depth and value:
            raise _NotPlain
        for key, item in value.items():
            # a space: a key written over two lines in a flow, which libyaml refuses (content's keys have none)
            if type(key) is not str or len(key) > _LONGEST_KEY or " " in key:
                raise _NotPlain
            if type(item) is int and ints:
                value[key] = str(item)
            elif type(item) is not str and item is not None:
                _check(item, depth + 1, ints, max_depth)
    elif kind is list:
        if depth >= max_depth and value:
            raise _NotPlain
        numbers = False
        for item in value:
            if type(item) is int and ints:
                numbers = True
            elif type(item) is not str and item is not None:
                _check(item, depth + 1, ints, max_depth)
        if numbers:
            value[:] = [str(item) if type(item) is int else item for item in value]
    elif kind is not str and value is not None:  # a boolean, a float, a tuple (a complex key's), a date, a number alone: PyYAML keeps the text
        raise _Numbers if kind is int and ints is None else _NotPlain


def plain_data(text: str, max_depth: int) -> tuple[Any] | None:
    """Return (data,) as documents.parse_yaml would make it from text, or None to leave text to PyYAML."""
    if not _plain_text(text):
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=_NO_ALIASES, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)
        try:
            _check(data, 0, None, max_depth)
        except _Numbers:  # searched for odd numbers only when it holds one: treatment files hold none, and it was half of reading them
            _check(data, 0, _ODD_NUMBER.search(text.encode()) is None, max_depth)
    except Exception:  # YAMLDecodeError, _NotPlain, or anything else yaml-rs may raise: PyYAML reports it
        return None
    return (data,)


__all__ = ["plain_data"]
