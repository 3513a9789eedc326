"""YAML text -> a Document: plain data with the position of every key and value.

YAML is composed to nodes (never constructed into Python objects), so no tag can run
code, duplicate keys are caught, and each scalar stays text: the schema decides what a
`no` or `2008` means, not YAML 1.1's resolver.
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clinicsite.characters import LINE_SEPARATORS, describe, forbidden_in, holds_forbidden, line_and_column
from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.plainyaml import plain_data

if TYPE_CHECKING:
    import yaml
#: A value's path inside its document: mapping keys and list indices from the root.
KeyPath = tuple[str | int, ...]

#: Deepest nesting of lists and mappings accepted; content needs about six levels. Deeper
#: input is refused with a located error before it can exhaust the parser's recursion.
MAX_DEPTH = 40
_NULLS = {"", "~", "null", "Null", "NULL"}
_STANDARD_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}


@functools.cache
def _loader() -> Any:
    """Return PyYAML's safe loader without YAML 1.1's implicit types (guessing them was a sixth of loading): every untagged scalar is text.

    Explicit tags (`!!python/object`) never reach resolve, so they are still refused. PyYAML is imported when a file first
    needs it (plainyaml reads nearly every one): importing it was 88 M instructions, 8% of every start-up.
    """
    import yaml

    try:  # the C parser is ~10x faster; fall back to pure Python where libyaml is absent
        from yaml import CSafeLoader as SafeLoader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader  # type: ignore[assignment]
    tags = {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq", yaml.MappingNode: "tag:yaml.org,2002:map"}

    # descend_resolver and ascend_resolver are called around every node for path-based resolvers (there are none): doing nothing is a tenth of composing
    nothing = {"descend_resolver": lambda self, node, index: None, "ascend_resolver": lambda self: None}
    return type("Loader", (SafeLoader,), {"resolve": lambda self, kind, value, implicit: tags[kind], **nothing})


def _plain_key(node: Any) -> bool:
    """Return True for a key the data keeps: a scalar with a standard tag (others are refused as yaml-key)."""
    return node.id == "scalar" and node.tag in _STANDARD_TAGS


@dataclass(frozen=True)
class Document:
    """One YAML file: its data as plain Python values, and where each value was written.

    Positions are looked up in the parser's node graph only when a diagnostic needs one (a
    document read by clinicsite.plainyaml is composed only then): recording the position of
    every value while converting was a third of that work, and nearly none is ever shown.
    """

    path: str
    """The file's path as shown in diagnostics (relative to the working folder when inside it)."""
    data: Any
    """Mappings, lists, strings and None; every scalar is a string or None."""
    source: yaml.Node | str | None = field(repr=False)
    """The composed node graph data was converted from, or the text to compose it from when first needed (None for an empty file)."""
    _keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Large mappings' first plain key of each text, made when first looked in: scanning the mapping for each key made 40,000 unknown keys take 49 s."""

    @functools.cached_property
    def root(self) -> yaml.Node | None:
        """Return the document's node graph (None for an empty file), composing the fast path's text the first time."""
        import yaml

        try:  # the fast path read it as PyYAML does (tests/test_plainyaml.py): this cannot fail but it must not crash
            return yaml.compose(self.source, Loader=_loader()) if isinstance(self.source, str) else self.source
        except (yaml.YAMLError, RecursionError):  # pragma: no cover - positions fall back to the file's
            return None

    def _entry(self, node: yaml.MappingNode, step: str) -> tuple[yaml.Node, yaml.Node] | None:
        """Return the first (key, value) of node whose key is the plain text step."""
        if len(node.value) < 16:
            return next(((k, v) for k, v in node.value if _plain_key(k) and k.value == step), None)
        if id(node) not in self._keys:
            index: dict[str, tuple[yaml.Node, yaml.Node]] = {}
            for k, v in node.value:
                if _plain_key(k):
                    index.setdefault(k.value, (k, v))
            self._keys[id(node)] = index
        return self._keys[id(node)].get(step)

    def _at(self, mark: yaml.Mark | None) -> Location:
        return Location(self.path, mark.line + 1, mark.column + 1) if mark is not None else Location(self.path)

    def _walk(self, path: KeyPath) -> tuple[yaml.Node | None, yaml.Node | None, int]:
        """Return the node at path or its nearest written ancestor, the key node of the last step, and how many steps were found.

        A mapping step takes the first plain key with that text, as the converter did. Below
        a value the converter refused (too deep, an alias, a tag) the data holds nothing, so
        no diagnostic asks for a path there.
        """
        node: Any = self.root
        key = None
        for steps, step in enumerate(path):
            found: tuple[yaml.Node | None, yaml.Node] | None = None
            if node is not None and node.id == "mapping" and isinstance(step, str):
                found = self._entry(node, step)
            elif node is not None and node.id == "sequence" and isinstance(step, int) and 0 <= step < len(node.value):
                found = (None, node.value[step])
            if found is None:
                return node, key, steps
            key, node = found
        return node, key, len(path)

    def _paths(self, value: Any, path: KeyPath) -> list[KeyPath]:
        """Return the path of value and of every value inside it."""
        children: Any = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        return [path] + [p for step, child in children for p in self._paths(child, (*path, step))]

    @property
    def positions(self) -> dict[KeyPath, Location]:
        """Return the position of every value by its path."""
        return {path: self.locate(path) for path in self._paths(self.data, ())}

    @property
    def key_positions(self) -> dict[KeyPath, Location]:
        """Return the position of every mapping value's key by the value's path."""
        return {path: self.locate_key(path) for path in self._paths(self.data, ()) if path and isinstance(path[-1], str)}

    def locate(self, path: KeyPath) -> Location:
        """Return the position of the value at path, or of its nearest written ancestor."""
        node, _, _ = self._walk(path)
        return self._at(node.start_mark if node is not None else None)

    def locate_key(self, path: KeyPath) -> Location:
        """Return the position of the key of the value at path, or else of the value (see locate)."""
        node, key, found = self._walk(path)
        if key is not None and found == len(path):
            return self._at(key.start_mark)
        return self._at(node.start_mark if node is not None else None)


class _Converter:
    """Turn a composed node graph into plain data, refusing what content may not use."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[int] = set()

    def at(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def convert(self, node: Any, depth: int) -> Any:
        """Return node as data; depth is how many lists and mappings hold it."""
        if depth > MAX_DEPTH or id(node) in self._seen or node.tag not in _STANDARD_TAGS:
            return self._refuse(node, depth)
        self._seen.add(id(node))
        # exactly one of the three (the composer makes nothing else), tested the fastest way
        if node.id == "scalar":
            if not node.value.isprintable() and holds_forbidden(node.value):  # isprintable: C-fast, True for nearly every one-line value
                self._forbidden(node)
            return None if not node.style and node.value in _NULLS else node.value
        if node.id == "mapping":
            return self._mapping(node, depth)
        return [self.convert(item, depth + 1) for item in node.value]

    def _forbidden(self, node: yaml.ScalarNode) -> None:
        char = forbidden_in(node.value) or ""
        message = f"the value holds {describe(char)}, which content may not hold (often a YAML escape such as \\x00 or \\e); remove it"
        self.diagnostics.append(error(self.at(node), "value-control", message))

    def _refuse(self, node: yaml.Node, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.diagnostics.append(error(self.at(node), "yaml-too-deep", _TOO_DEEP))
        elif id(node) in self._seen:  # an alias: refusing it also defuses "billion laughs"
            message = "this value is reused through a YAML anchor and alias (&name, *name), which content may not use; write the value out each time"
            self.diagnostics.append(error(self.at(node), "yaml-alias", message))
        else:
            self._seen.add(id(node))  # so that an alias of it is refused as an alias
            self.diagnostics.append(error(self.at(node), "yaml-tag", f"the tag '{node.tag}' is not allowed in content; remove it"))

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not _plain_key(key_node):
                self.diagnostics.append(error(self.at(key_node), "yaml-key", "a key must be plain text, like 'title:'"))
                continue
            key = key_node.value
            if key in first_lines:
                message = f"duplicate key '{key}' (first written at line {first_lines[key]}); keep one of them"
                self.diagnostics.append(error(self.at(key_node), "yaml-duplicate-key", message))
                continue
            first_lines[key] = key_node.start_mark.line + 1
            result[key] = self.convert(value_node, depth + 1)
        return result


def decode(raw: bytes, shown: str) -> tuple[str | None, list[Diagnostic]]:
    """Return raw as text (None when it is not UTF-8 or holds a line separator) and the problem, located."""
    body = raw.removeprefix(codecs.BOM_UTF8)  # accepted, and not counted: the editor does not show it
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        location = Location(shown, *line_and_column(body[: exc.start].decode("utf-8", "replace")))
        message = f"byte 0x{body[exc.start]:02x} is not UTF-8; save the file as UTF-8"
        return None, [error(location, "yaml-encoding", message)]
    # isascii is O(1) and True for nearly every file, which then holds none; searching each file was a sixth of loading a treatment
    unusual = not text.isascii() and ("\u2028" in text or "\u2029" in text or "\x85" in text)
    separator = LINE_SEPARATORS.search(text) if unusual else None
    if separator is not None:  # libyaml would count it as a line break, and every later line would be off by one
        message = f"the character {describe(separator.group(0))} is not allowed in content (editors do not show it as a line break); delete it"
        return None, [error(Location(shown, *line_and_column(text[: separator.start()])), "yaml-syntax", message)]
    return text, []


_TOO_DEEP = f"lists and mappings are nested more than {MAX_DEPTH} levels deep here; content needs only a few levels, so flatten it"
#: libyaml 0.2.6 (bundled from PyYAML 6.0.4 on) refuses nesting past 1,000 levels with this problem;
#: the same file is reported as too deep, at our limit, whichever libyaml parses it.
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def _too_deep(text: str, shown: str) -> Diagnostic:
    """Return where text first nests deeper than MAX_DEPTH, found without recursion (the event stream).

    The pure-Python parser is used: libyaml's scanner reads ahead and may stop at its own
    limit before handing over the event that passes ours. This runs only for a refused file.
    """
    # each open collection: [is a mapping, its next node is a key]
    import yaml

    open_: list[list[bool]] = []
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.NodeEvent):
                is_key = bool(open_) and open_[-1][0] and open_[-1][1]
                if open_ and open_[-1][0]:
                    open_[-1][1] = not open_[-1][1]  # keys and values take turns
                # the first value inside more than MAX_DEPTH collections, as the converter reports it
                if len(open_) > MAX_DEPTH and not is_key and event.start_mark is not None:
                    mark = event.start_mark
                    return error(Location(shown, mark.line + 1, mark.column + 1), "yaml-too-deep", _TOO_DEEP)
                if isinstance(event, yaml.CollectionStartEvent):
                    open_.append([isinstance(event, yaml.MappingStartEvent), True])
            elif isinstance(event, yaml.CollectionEndEvent):
                open_.pop()
    except yaml.YAMLError:
        pass  # a syntax error after the nesting: the nesting is what gets reported
    return error(Location(shown), "yaml-too-deep", _TOO_DEEP)


def _syntax_error(exc: yaml.YAMLError, text: str, shown: str) -> Diagnostic:
    import yaml

    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML forbids; it has no mark
        # libyaml counts UTF-8 bytes, the pure-Python reader counts characters
        counted_in_bytes = exc.encoding != "unicode"
        before = text.encode()[: exc.position].decode(errors="ignore") if counted_in_bytes else text[: exc.position]
        location = Location(shown, *line_and_column(before))
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return error(location, "yaml-syntax", f"the character U+{character:04X} is not allowed in YAML; delete it")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    location = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{context}, {problem}" if context else str(problem)
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    if "\t" in line[: (mark.column + 1) if mark else 0]:
        message += "; a tab was found: indent with spaces, not tabs"
    return error(location, "yaml-syntax", f"invalid YAML: {message}")


def parse_yaml(text: str, shown: str, fast: bool = True) -> tuple[Document | None, list[Diagnostic]]:
    """Return the document parsed from text (None on a syntax error) and its problems; fast=False: PyYAML's reading only."""
    plain = plain_data(text, MAX_DEPTH) if fast else None
    if plain is not None:  # nearly every file: the same data, and nothing to report
        return Document(shown, plain[0], text), []
    import yaml

    try:
        node = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError as exc:
        if _LIBYAML_TOO_DEEP in str(getattr(exc, "problem", "")):
            return None, [_too_deep(text, shown)]
        return None, [_syntax_error(exc, text, shown)]
    except RecursionError:
        return None, [_too_deep(text, shown)]
    converter = _Converter(shown)
    data = converter.convert(node, 0) if node is not None else None
    return Document(shown, data, node), converter.diagnostics


__all__ = ["MAX_DEPTH", "Document", "KeyPath", "decode", "parse_yaml"]
