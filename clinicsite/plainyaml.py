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

from clinicsite.characters import FORBIDDEN, holds_forbidden

#: Characters the fast path leaves to PyYAML: all but newline, printable ASCII and the
#: characters libyaml reads as text (tab, CR, NEL, controls, BOM, noncharacters included).
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|" + FORBIDDEN.pattern)
#: ':' just before a flow's ',', ']' or '}': an error to libyaml, a key to yaml-rs.
_FLOW_COLON = re.compile(r":[,\]}]")
#: What may come before a node's first character, spaces aside (or the text's start).
_NODE_STARTS = frozenset("\n-?:,[{")
#: libyaml refuses an implicit key longer than 1,024 characters; such keys are left to it.
_LONGEST_KEY = 512
#: Any alias is an error here, so the document goes to PyYAML, which refuses it as yaml-alias.
_NO_ALIASES = yaml_rs.AliasLimits(max_total_replayed_events=0)


class _NotPlain(Exception):
    """The data holds something PyYAML's reading would give differently or report."""


def _plain_text(text: str) -> bool:
    """Return True when text holds no character, tag, directive or document marker the fast path leaves to PyYAML."""
    # isprintable is C-fast and True for nearly every file; the expression runs only when it is not
    if not text.replace("\n", "").isprintable() and _UNUSUAL.search(text):
        return False
    if _different(text):
        return False
    # '---' or '...' at a line's start may end a document (yaml-rs reads a stream as a list); '%' starts a directive
    return not (text.startswith(("---", "...", "%")) or "\n---" in text or "\n..." in text or "\n%" in text)


def _different(text: str) -> bool:
    """Return True when text may hold what libyaml and yaml-rs are known to read differently.

    That is an anchor, alias, tag, explicit key, block scalar or colon where a node may
    start (yaml-rs allows other anchor names, drops tags PyYAML refuses, keeps an empty
    block's line break, reads '?' after a flow comma or ':' at a flow scalar's start as
    text), or a colon just before a flow's end. Found by tests/test_plainyaml.py.
    Content writes none of them (sign-offs.yaml has block scalars); '&', '*' and '?' inside
    prose are passed over. str.find per character: a regular expression took three times longer.
    """
    for char in "&*!|>?:":
        at = text.find(char)
        while at >= 0:
            before = at - 1
            while before >= 0 and text[before] == " ":
                before -= 1
            if before < 0 or text[before] in _NODE_STARTS or (before < at - 1 and char in "!|>"):
                return True
            at = text.find(char, at + 1)
    return _FLOW_COLON.search(text) is not None


def _check(value: Any, depth: int, escapes: bool, max_depth: int) -> None:
    """Raise _NotPlain unless value is mappings of text keys, lists, strings and None, nested at most max_depth deep.

    escapes: the text has a backslash, so a double-quoted escape may have made a character
    the text does not hold; strings are then searched for what content may not hold.
    """
    kind = type(value)
    if kind is str:
        if escapes and not value.isprintable() and holds_forbidden(value):
            raise _NotPlain
    elif value is None:
        pass
    elif kind is dict:
        if depth >= max_depth and value:
            raise _NotPlain
        for key, item in value.items():
            # a space: a key written over two lines in a flow, which libyaml refuses (content's keys have none)
            if type(key) is not str or len(key) > _LONGEST_KEY or " " in key:
                raise _NotPlain
            _check(item, depth + 1, escapes, max_depth)
    elif kind is list:
        if depth >= max_depth and value:
            raise _NotPlain
        for item in value:
            _check(item, depth + 1, escapes, max_depth)
    else:  # a number, a boolean, a tuple (a complex key's), a date: PyYAML keeps the text
        raise _NotPlain


def plain_data(text: str, max_depth: int) -> tuple[Any] | None:
    """Return (data,) as documents.parse_yaml would make it from text, or None to leave text to PyYAML."""
    if not _plain_text(text):
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=_NO_ALIASES, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error)
        _check(data, 0, "\\" in text, max_depth)
    except Exception:  # YAMLDecodeError, _NotPlain, or anything else yaml-rs may raise: PyYAML reports it
        return None
    return (data,)


__all__ = ["plain_data"]
