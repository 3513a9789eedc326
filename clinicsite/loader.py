"""Load the content folder: find the expected files and parse each into a Document.

Parsing one file's text lives in clinicsite.documents; this module owns the tree: which
files and folders are expected, reading them safely, and the tree-shape rules.
"""

from __future__ import annotations

import dataclasses
import difflib
import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.documents import Document, decode, parse_yaml
from clinicsite.shape import SIGN_OFFS_FILE, TREATMENT_FILES, sign_offs_document

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
SITE_FILES = ("site.yaml", "sources.yaml")
#: Site files that may be left out: without policy.yaml the built-in claims policy applies.
OPTIONAL_SITE_FILES = ("policy.yaml",)
MAX_FILE_BYTES = 2 * 1024 * 1024
#: The files of a treatment folder that are read: the page's, and the sign-off record, which decides whether the page is a draft.
TREATMENT_READ = (*TREATMENT_FILES, SIGN_OFFS_FILE)


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
    read: FolderBytes | None = None
    """The site-wide files as read, once: a cache key made from these is made from what was parsed."""


def display_path(path: Path) -> str:
    """Return path relative to the working folder when it lies inside it, else absolute."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def read_file(path: Path, root: Path, real_folder: bool = False, link: bool | None = None) -> tuple[bytes | None, list[Diagnostic]]:
    """Return the bytes of one content file, refusing links out of root, huge files and what is not a regular file.

    real_folder: path's folder is known to lie inside root, so only a link at path itself
    could lead out (one lstat instead of resolving the whole path twice: 12 a treatment).
    link: whether path is a link, when the caller's listing of its folder says (no lstat then).
    """
    try:
        if (not real_folder or (path.is_symlink() if link is None else link)) and not path.resolve().is_relative_to(root.resolve()):
            message = "this file links outside the content folder; replace the link with the file itself"
            return None, [error(Location(display_path(path)), "content-outside", message)]
        # opened before it is measured, without waiting: a file swapped for a pipe meanwhile cannot hang the build
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "it is not a regular file")
            if info.st_size > MAX_FILE_BYTES:
                message = f"the file is {info.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}; split it or remove content"
                return None, [error(Location(display_path(path)), "yaml-too-large", message)]
            return handle.read(), []
    except (OSError, RuntimeError) as exc:  # RuntimeError: Python 3.11's "Symlink loop"
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is a link that leads back to itself"
        message = f"the file cannot be read ({reason}); check its permissions or replace it with the file itself"
        return None, [error(Location(display_path(path)), "content-unreadable", message)]


def parse_file(data: bytes, name: str, shown: str) -> tuple[Document | None, list[Diagnostic]]:
    """Return the document in the bytes of the file name (named in diagnostics as shown), or its problems."""
    text, problems = decode(data, shown)
    if text is None:
        return None, problems
    fast = sign_offs_document(text, shown) if name == SIGN_OFFS_FILE else None  # the form `review` writes (clinicsite.shape)
    return (fast, []) if fast is not None else parse_yaml(text, shown)


def load_file(path: Path, root: Path, real_folder: bool = False) -> tuple[Document | None, list[Diagnostic]]:
    """Return the document in one content file (read_file, then parse_file)."""
    data, problems = read_file(path, root, real_folder)
    return (None, problems) if data is None else parse_file(data, path.name, display_path(path))


class _Entry(NamedTuple):
    """One visible entry of a listed folder (os.scandir): a folder; a regular file or a link to one; a link."""

    is_dir: bool
    is_file: bool
    is_link: bool


def _listing(folder: Path) -> dict[str, _Entry]:
    """Return folder's visible entries by name, in name order, without a stat per entry where the system says."""
    found: list[tuple[str, _Entry]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith((".", "#")) or entry.name.endswith("~"):  # hidden files, editor leftovers: skipped
                continue
            link = entry.is_symlink()
            try:
                found.append((entry.name, _Entry(entry.is_dir(), entry.is_file(), link)))
            except OSError:  # a link to a loop, or to what cannot be reached: neither a folder nor a file
                found.append((entry.name, _Entry(False, False, link)))
    return dict(sorted(found))


def _unexpected(entry: Path, expected: tuple[str, ...], kind: str) -> Diagnostic:
    near = difflib.get_close_matches(entry.name, expected, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else f"; expected {kind}: {', '.join(expected)}"
    return error(Location(display_path(entry)), "content-unexpected-file", f"unexpected {'folder' if entry.is_dir() else 'file'} '{entry.name}'{hint}")


@dataclass(frozen=True)
class FolderBytes:
    """Expected files of one folder, each read once: what is parsed is exactly what a cache key hashes."""

    folder: Path
    files: dict[str, bytes]
    """The bytes of each expected file that was read."""
    missing: tuple[str, ...]
    """Expected files that are not there (or not regular files)."""
    problems: tuple[Diagnostic, ...]
    """Files refused while reading (too large, linking out); they are neither read nor missing."""
    entries: tuple[tuple[str, bool, bool], ...] = ()
    """For a treatment folder: each visible entry as (name, is a folder, is a link)."""

    def key_parts(self) -> list[bytes | str] | None:
        """Return what identifies everything parsed from this folder; None when a link or a refusal makes it untrustworthy."""
        if self.problems or any(link for _, _, link in self.entries):
            return None
        names = [f"{name}{'/' * is_dir}" for name, is_dir, _ in self.entries]
        return [str(self.folder), *names, "\0", *self.contents()]

    def contents(self) -> list[bytes | str]:
        """Return the name and bytes of each expected file read, and the names of those missing."""
        return [*sorted(self.missing), "\0", *(part for name in sorted(self.files) for part in (name, self.files[name]))]


def read_folder(folder: Path, root: Path, names: tuple[str, ...], real_folder: bool = False, listed: dict[str, _Entry] | None = None) -> FolderBytes:
    """Return the named files of folder read once, and what was refused; listed: folder's entries, when listed already."""
    files: dict[str, bytes] = {}
    missing: list[str] = []
    problems: list[Diagnostic] = []
    for name in names:
        path = folder / name
        entry = listed.get(name) if listed is not None else None
        if not (path.is_file() if listed is None else entry is not None and entry.is_file):
            missing.append(name)
            continue
        data, found = read_file(path, root, real_folder, entry.is_link if entry is not None else None)
        problems += found
        if data is not None:
            files[name] = data
    return FolderBytes(folder, files, tuple(missing), tuple(problems))


def _missing(path: Path) -> str:
    """Return why a required (or present optional) file is not there as a file, and the fix."""
    if path.is_symlink():
        return f"'{path.name}' is a link to nothing (or to a link loop); replace it with the file itself"
    if path.is_dir():
        return f"'{path.name}' is a folder; it must be a file (see README: content format)"
    return f"missing file '{path.name}'; create it (see README: content format)"


def _parse_named(
    read: FolderBytes, names: tuple[str, ...], optional: tuple[str, ...] = (), folder: str = ""
) -> tuple[dict[str, Document], bool, list[Diagnostic]]:
    """Return the documents of names (required) and optional (only when present), whether each required one parsed, and the problems."""
    documents: dict[str, Document] = {}
    problems = list(read.problems)
    complete = not read.problems
    folder = folder or display_path(read.folder)  # made once a folder (folder: the caller's): once a file was a 20th of loading one
    for name in (*names, *(n for n in optional if n not in read.missing)):
        if name in read.missing:
            path = read.folder / name
            problems.append(error(Location(display_path(path)), "content-missing-file", _missing(path)))
            complete = False
        elif name in read.files:  # a file read is never the working folder: its display path is the folder's and its name
            document, found = parse_file(read.files[name], name, name if folder == "." else f"{folder}/{name}")
            problems += found
            if document is None or found:  # a document that did not load cleanly is not validated
                complete = complete and name in optional
            else:
                documents[name] = document
    return documents, complete, problems


def read_treatment(folder: Path, root: Path) -> FolderBytes | None:
    """Return one treatment folder's entries and expected files, read once; None when the folder itself is refused."""
    real_root = root.resolve()
    if not SLUG.fullmatch(folder.name) or not folder.resolve().is_relative_to(real_root):
        return None
    listed = _listing(folder)
    entries = tuple((name, e.is_dir, e.is_link) for name, e in listed.items())
    read = read_folder(folder, real_root, TREATMENT_READ, real_folder=True, listed=listed)
    return dataclasses.replace(read, entries=entries)


def load_treatment(folder: Path, root: Path, read: FolderBytes | None = None) -> tuple[TreatmentFiles | None, list[Diagnostic]]:
    """Return one treatment folder's documents (None when the folder itself is refused) and its problems.

    read: the folder as read_treatment read it (by the caller that keyed a cache on it); read now when None.
    """
    folder_shown = display_path(folder)
    shown = Location(folder_shown)
    if not SLUG.fullmatch(folder.name):
        message = f"treatment folder '{folder.name}' is not a valid slug; use lowercase letters, digits and single hyphens, e.g. 'chemical-peel'"
        return None, [error(shown, "slug-format", message)]
    read = read or read_treatment(folder, root)
    if read is None:
        return None, [error(shown, "content-outside", "this folder links outside the content folder; replace the link with the folder itself")]
    # sign-offs.yaml is optional: a page never signed off has none
    problems = [_unexpected(folder / name, TREATMENT_READ, "files") for name, _, _ in read.entries if name not in TREATMENT_READ]
    documents, complete, found = _parse_named(read, TREATMENT_FILES, (SIGN_OFFS_FILE,), folder_shown if read.folder == folder else "")
    return TreatmentFiles(folder.name, documents, complete and not problems), problems + found


def treatment_folders(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Return the treatment folders under root/treatments, and stray files found there."""
    folders: list[Path] = []
    problems: list[Diagnostic] = []
    folder = root / "treatments"
    if not folder.is_dir():  # no treatments would publish a site without a page, and a deploy would remove them all
        what = "is not a folder" if folder.exists() or folder.is_symlink() else "is missing"
        message = f"'treatments' {what}; it must be a folder holding one folder per treatment (`python build.py new SLUG` makes one)"
        return folders, [error(Location(display_path(folder)), "content-missing-file", message)]
    for name, entry in _listing(folder).items():
        if entry.is_dir:
            folders.append(folder / name)
        else:
            message = f"unexpected file '{name}'; each treatment is a folder treatments/<slug>/"
            problems.append(error(Location(display_path(folder / name)), "content-unexpected-file", message))
    return folders, problems


def load_site_files(root: Path) -> tuple[ContentTree, list[Diagnostic]]:
    """Return the site-wide documents (site, sources, policy) with no treatments, and their problems."""
    expected = (*SITE_FILES, *OPTIONAL_SITE_FILES, "treatments")
    problems = [_unexpected(root / name, expected, "entries") for name in _listing(root) if name not in expected]
    # a dangling link or a folder named policy.yaml is reported, never skipped: the clinic's rules would vanish
    present = tuple(name for name in OPTIONAL_SITE_FILES if (root / name).exists() or (root / name).is_symlink())
    read = read_folder(root, root, SITE_FILES + present)
    documents, _, found = _parse_named(read, SITE_FILES + present)
    policy = documents.get("policy.yaml")
    tree = ContentTree(root, documents.get("site.yaml"), documents.get("sources.yaml"), (), policy, bool(present) and policy is None, read)
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


__all__ = [
    "ContentTree",
    "Document",
    "FolderBytes",
    "TreatmentFiles",
    "display_path",
    "load_content",
    "load_site_files",
    "load_treatment",
    "parse_yaml",
    "read_treatment",
    "treatment_folders",
]
