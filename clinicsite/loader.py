"""Load the content folder into plain data with the position of every key and value.

YAML is composed to nodes (never constructed into Python objects), so no tag can run
code, duplicate keys are caught, and each scalar stays text: the schema decides what a
`no` or `2008` means, not YAML 1.1's resolver.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clinicsite.diagnostics import Diagnostic, Location, error

try:  # the C parser is ~10x faster; fall back to pure Python where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: A value's path inside its document: mapping keys and list indices from the root.
Path_ = tuple[str | int, ...]

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
SITE_FILES = ("site.yaml", "sources.yaml")
#: Site files that may be left out: without policy.yaml the built-in claims policy applies.
OPTIONAL_SITE_FILES = ("policy.yaml",)
TREATMENT_FILES = ("treatment.yaml", "benefits.yaml", "mechanism.yaml", "side-effects.yaml", "faqs.yaml")
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted; content needs about six levels. Deeper
#: input is refused with a located error before it can exhaust the parser's recursion.
MAX_DEPTH = 40
_NULLS = {"", "~", "null", "Null", "NULL"}
_STANDARD_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")}


@dataclass(frozen=True)
class Document:
    """One YAML file: its data as plain Python values and where each value was written."""

    path: str
    """The file's path as shown in diagnostics (relative to the working folder when inside it)."""
    data: Any
    """Mappings, lists, strings and None; every scalar is a string or None."""
    marks: dict[Path_, yaml.Mark | None] = field(repr=False)
    """Path of each value -> the parser's mark of its first character (made a Location only when shown)."""
    key_marks: dict[Path_, yaml.Mark] = field(repr=False)
    """Path of each mapping value -> the mark of its key (for 'unknown field' errors)."""

    def _at(self, mark: yaml.Mark | None) -> Location:
        return Location(self.path, mark.line + 1, mark.column + 1) if mark is not None else Location(self.path)

    @property
    def positions(self) -> dict[Path_, Location]:
        """Return the position of every value by its path."""
        return {path: self._at(mark) for path, mark in self.marks.items()}

    @property
    def key_positions(self) -> dict[Path_, Location]:
        """Return the position of every mapping value's key by the value's path."""
        return {path: self._at(mark) for path, mark in self.key_marks.items()}

    def locate(self, path: Path_) -> Location:
        """Return the position of the value at path, or of its nearest written ancestor."""
        while path not in self.marks:
            path = path[:-1]
        return self._at(self.marks[path])

    def locate_key(self, path: Path_) -> Location:
        """Return the position of the key of the value at path, or else of the value (see locate)."""
        return self._at(self.key_marks[path]) if path in self.key_marks else self.locate(path)


@dataclass(frozen=True)
class TreatmentFiles:
    """The documents of one treatment folder that loaded cleanly, by file name."""

    slug: str
    documents: dict[str, Document]
    complete: bool
    """True when every required file was present and parsed."""


@dataclass(frozen=True)
class ContentTree:
    """Everything under content/ that parsed, ready for validation."""

    root: Path
    site: Document | None
    sources: Document | None
    treatments: tuple[TreatmentFiles, ...]
    policy: Document | None = None
    """policy.yaml when present and loaded cleanly."""
    policy_failed: bool = False
    """True when policy.yaml exists but did not load; its problems are already reported."""


def display_path(path: Path) -> str:
    """Return path relative to the working folder when it lies inside it, else absolute."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


class _Converter:
    """Turn a composed node graph into plain data plus position tables."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.marks: dict[Path_, yaml.Mark | None] = {}
        self.key_marks: dict[Path_, yaml.Mark] = {}
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[int] = set()

    def at(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        self.marks[path] = node.start_mark
        if len(path) > MAX_DEPTH:
            self.diagnostics.append(error(self.at(node), "yaml-too-deep", _TOO_DEEP))
            return None
        if id(node) in self._seen:  # an alias: refusing it also defuses "billion laughs"
            self.diagnostics.append(
                error(
                    self.at(node),
                    "yaml-alias",
                    "this value is reused through a YAML anchor and alias (&name, *name), which content may not use; write the value out each time",
                )
            )
            return None
        self._seen.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            self.diagnostics.append(error(self.at(node), "yaml-tag", f"the tag '{node.tag}' is not allowed in content; remove it"))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and not node.style and node.value in _NULLS:
            return None
        return str(node.value)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _STANDARD_TAGS:
                self.diagnostics.append(error(self.at(key_node), "yaml-key", "a key must be plain text, like 'title:'"))
                continue
            key = str(key_node.value)
            if key in result:
                first = self.key_marks[(*path, key)].line + 1
                self.diagnostics.append(
                    error(self.at(key_node), "yaml-duplicate-key", f"duplicate key '{key}' (first written at line {first}); keep one of them")
                )
                continue
            self.key_marks[(*path, key)] = key_node.start_mark
            result[key] = self.convert(value_node, (*path, key))
        return result


def _location_after(before: str, shown: str) -> Location:
    """Return the position of the character that follows the text `before`."""
    return Location(shown, before.count("\n") + 1, len(before.rsplit("\n", 1)[-1]) + 1)


def _decode(raw: bytes, shown: str) -> tuple[str | None, list[Diagnostic]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        location = _location_after(raw[: exc.start].decode("utf-8", "replace"), shown)
        message = f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8"
        return None, [error(location, "yaml-encoding", message)]


_TOO_DEEP = f"lists and mappings are nested more than {MAX_DEPTH} levels deep here; content needs only a few levels, so flatten it"


def _too_deep(text: str, shown: str) -> Diagnostic:
    """Return where text first nests deeper than MAX_DEPTH, found without recursion (the event stream)."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH and event.start_mark is not None:
                mark = event.start_mark
                return error(Location(shown, mark.line + 1, mark.column + 1), "yaml-too-deep", _TOO_DEEP)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return error(Location(shown), "yaml-too-deep", _TOO_DEEP)


def _syntax_error(exc: yaml.YAMLError, text: str, shown: str) -> Diagnostic:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML forbids; it has no mark
        # libyaml counts UTF-8 bytes, the pure-Python reader counts characters
        counted_in_bytes = exc.encoding != "unicode"
        before = text.encode()[: exc.position].decode(errors="ignore") if counted_in_bytes else text[: exc.position]
        location = _location_after(before, shown)
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


def parse_yaml(text: str, shown: str) -> tuple[Document | None, list[Diagnostic]]:
    """Return the document parsed from text (None on a syntax error) and its problems."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        return None, [_syntax_error(exc, text, shown)]
    except RecursionError:
        return None, [_too_deep(text, shown)]
    converter = _Converter(shown)
    data = converter.convert(node, ()) if node is not None else None
    if node is None:
        converter.marks[()] = None
    document = Document(shown, data, converter.marks, converter.key_marks)
    return document, converter.diagnostics


def load_file(path: Path, root: Path) -> tuple[Document | None, list[Diagnostic]]:
    """Return the document in one content file, refusing links out of root and huge files."""
    shown = display_path(path)
    if not path.resolve().is_relative_to(root.resolve()):
        return None, [error(Location(shown), "content-outside", "this file links outside the content folder; replace the link with the file itself")]
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        message = f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}; split it or remove content"
        return None, [error(Location(shown), "yaml-too-large", message)]
    text, problems = _decode(path.read_bytes(), shown)
    if text is None:
        return None, problems
    return parse_yaml(text, shown)


def _visible(folder: Path) -> Iterator[Path]:
    """Yield folder entries, skipping hidden files and editor leftovers (.x, x~, #x#)."""
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if not (name.startswith((".", "#")) or name.endswith("~")):
            yield entry


def _unexpected(entry: Path, expected: tuple[str, ...], kind: str) -> Diagnostic:
    near = difflib.get_close_matches(entry.name, expected, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else f"; expected {kind}: {', '.join(expected)}"
    return error(Location(display_path(entry)), "content-unexpected-file", f"unexpected {'folder' if entry.is_dir() else 'file'} '{entry.name}'{hint}")


def _load_named(folder: Path, root: Path, names: tuple[str, ...]) -> tuple[dict[str, Document], bool, list[Diagnostic]]:
    documents: dict[str, Document] = {}
    problems: list[Diagnostic] = []
    complete = True
    for name in names:
        path = folder / name
        if not path.is_file():
            problems.append(error(Location(display_path(path)), "content-missing-file", f"missing file '{name}'; create it (see README: content format)"))
            complete = False
            continue
        document, found = load_file(path, root)
        problems += found
        if document is None or found:  # a document that did not load cleanly is not validated
            complete = False
        else:
            documents[name] = document
    return documents, complete, problems


def load_treatment(folder: Path, root: Path) -> tuple[TreatmentFiles | None, list[Diagnostic]]:
    """Return one treatment folder's documents (None when the folder itself is refused) and its problems."""
    shown = Location(display_path(folder))
    if not SLUG.fullmatch(folder.name):
        message = f"treatment folder '{folder.name}' is not a valid slug; use lowercase letters, digits and single hyphens, e.g. 'chemical-peel'"
        return None, [error(shown, "slug-format", message)]
    if not folder.resolve().is_relative_to(root.resolve()):
        return None, [error(shown, "content-outside", "this folder links outside the content folder; replace the link with the folder itself")]
    problems = [_unexpected(e, TREATMENT_FILES, "files") for e in _visible(folder) if e.name not in TREATMENT_FILES]
    documents, complete, found = _load_named(folder, root, TREATMENT_FILES)
    return TreatmentFiles(folder.name, documents, complete and not problems), problems + found


def treatment_folders(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Return the treatment folders under root/treatments, and stray files found there."""
    folders: list[Path] = []
    problems: list[Diagnostic] = []
    folder = root / "treatments"
    for entry in _visible(folder) if folder.is_dir() else ():
        if entry.is_dir():
            folders.append(entry)
        else:
            message = f"unexpected file '{entry.name}'; each treatment is a folder treatments/<slug>/"
            problems.append(error(Location(display_path(entry)), "content-unexpected-file", message))
    return folders, problems


def load_site_files(root: Path) -> tuple[ContentTree, list[Diagnostic]]:
    """Return the site-wide documents (site, sources, policy) with no treatments, and their problems."""
    expected = (*SITE_FILES, *OPTIONAL_SITE_FILES, "treatments")
    problems = [_unexpected(e, expected, "entries") for e in _visible(root) if e.name not in expected]
    present = tuple(name for name in OPTIONAL_SITE_FILES if (root / name).is_file())
    documents, _, found = _load_named(root, root, SITE_FILES + present)
    policy = documents.get("policy.yaml")
    tree = ContentTree(root, documents.get("site.yaml"), documents.get("sources.yaml"), (), policy, bool(present) and policy is None)
    return tree, problems + found


def load_content(root: Path) -> tuple[ContentTree, list[Diagnostic]]:
    """Return every content document that parsed, and every problem met on the way."""
    tree, problems = load_site_files(root)
    folders, found = treatment_folders(root)
    problems += found
    treatments: list[TreatmentFiles] = []
    for folder in folders:
        treatment, found = load_treatment(folder, root)
        problems += found
        if treatment is not None:
            treatments.append(treatment)
    return dataclasses.replace(tree, treatments=tuple(treatments)), problems


__all__ = ["ContentTree", "Document", "TreatmentFiles", "display_path", "load_content", "load_site_files", "load_treatment", "parse_yaml", "treatment_folders"]
