"""What the preview server keeps between rebuilds: results by a hash of their inputs.

There is no dependency graph to keep right. A treatment's result is remembered under a
hash of every byte it was made from (its folder's files, the site-wide files, the
layouts, the date); a change to any of them gives a new key, so a stale result can never
be found. Only results used by the last build are kept, so memory stays bounded.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

import jinja2

from clinicsite.diagnostics import Diagnostic
from clinicsite.evidence import today as real_today
from clinicsite.incremental import LastWrite
from clinicsite.loader import OPTIONAL_SITE_FILES, SITE_FILES, TREATMENT_READ, ContentTree, FolderBytes, load_site_files, read_treatment
from clinicsite.render import Renderer
from clinicsite.validate import SiteFacts, validate_site_files

T = TypeVar("T")


def digest(parts: Iterable[bytes | str]) -> bytes:
    """Return one hash of parts, each length-prefixed so no two sequences collide."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.digest()


def tree_digest(folder: Path) -> bytes:
    """Return a hash of the paths and bytes of every file under folder (for the layouts)."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return digest(part for p in paths for part in (p.relative_to(folder).as_posix(), p.read_bytes()))


class Memo(Generic[T]):
    """Values by key, keeping only those asked for since the last `forget_unused`."""

    def __init__(self) -> None:
        self._kept: dict[bytes, T] = {}
        self._used: dict[bytes, T] = {}

    def get(self, key: bytes) -> T | None:
        """Return the value remembered under key, or None."""
        value = self._used.get(key, self._kept.get(key))
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: bytes, value: T) -> None:
        """Remember value under key."""
        self._used[key] = value

    def forget_unused(self) -> None:
        """Drop every value not asked for or remembered since the last call."""
        self._kept, self._used = self._used, {}

    def get_or_make(self, keys: list[bytes | None], make: Callable[[list[int]], list[T]]) -> list[T]:
        """Return the value for each key: remembered ones, and make(indices) for the others; forget the rest.

        A None key is never remembered; its value is made every time.
        """
        found = [self.get(k) if k is not None else None for k in keys]
        missing = [i for i, value in enumerate(found) if value is None]
        for i, value in zip(missing, make(missing), strict=True):
            found[i] = value
            key = keys[i]
            if key is not None:
                self.put(key, value)
        self.forget_unused()
        return [value for value in found if value is not None]


#: A treatment folder as read (None when the folder itself is refused) and the hash of its key parts (None when it has none).
FolderRead = tuple[FolderBytes | None, bytes | None]
#: How a path looks on disk without following a link at it: type, device, inode, size, modification and change times; None when absent.
Look = tuple[int, int, int, int, int, int] | None
#: A folder whose newest change is less recent than this before it is read may change again within
#: the file system's clock tick without its look changing ("racily clean", as git says of its index):
#: it is read afresh at the next build instead of being trusted.
SETTLED_NS = 2_000_000_000
#: How many presented values (marks, entries, back-links) a kept renderer may hold before a rebuild starts a new one.
MAX_PRESENTED = 50_000


def _look(path: str) -> Look:
    try:
        s = os.lstat(path)
    except OSError:
        return None
    return s.st_mode, s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns


def _settled(looks: tuple[Look, ...], before_ns: int) -> bool:
    """Return True when no path is a link (whose target could change unseen) and none changed in the SETTLED_NS before before_ns."""
    return all(look is None or (not stat.S_ISLNK(look[0]) and max(look[4], look[5]) < before_ns - SETTLED_NS) for look in looks)


class Unchanged(Generic[T]):
    """Values made from files, taken again while those files look on disk as they did just before they were read.

    A rebuild after one saved file would otherwise read, hash and parse every file of a
    thousand folders again. A value is taken from here only when each of its paths looks
    the same (lstat: an added, removed, renamed or rewritten file changes its folder's or
    its own change time), and only when none had changed in the SETTLED_NS before it was
    read: a file saved again within the clock tick of its last change could keep its look,
    so such a value is made afresh. A link is never trusted: its target could change while
    the link looks the same. Only values of the last build are kept.
    """

    def __init__(self) -> None:
        self._kept: Memo[tuple[tuple[Look, ...], T]] = Memo()

    def get_or_read(self, key: bytes, paths: Iterable[str], read: Callable[[], tuple[T, bool]]) -> T:
        """Return the value kept under key while paths are unchanged, else read()'s value, kept when read() says it may be."""
        looks = tuple(map(_look, paths))
        kept = self._kept.get(key)
        if kept is not None and kept[0] == looks:
            return kept[1]
        before = time.time_ns()
        value, trusted = read()
        if trusted and looks[0] is not None and _settled(looks, before):
            self._kept.put(key, (looks, value))
        return value

    def forget_unused(self) -> None:
        """Drop the values the last build did not ask for."""
        self._kept.forget_unused()


def read_unless_unchanged(reads: Unchanged[FolderRead], folder: Path, root: Path, real_root: str) -> FolderRead:
    """Return read_treatment(folder, root) and the hash of its key_parts (None when it has none), or both as last read (see Unchanged).

    real_root: root resolved. A folder holding links, or a file refused while reading, is read every time.
    """

    def read() -> tuple[FolderRead, bool]:
        made = read_treatment(folder, root)
        parts = made.key_parts() if made is not None else None
        return (made, digest(parts) if parts is not None else None), parts is not None

    where = f"{folder}/"
    return reads.get_or_read(f"{where}\0{real_root}".encode(), (where, *(where + name for name in TREATMENT_READ)), read)


#: The site-wide files loaded and validated, and their problems.
SiteFiles = tuple[ContentTree, SiteFacts, list[Diagnostic]]


def site_files(content: Path, today: datetime.date | None, kept: Unchanged[SiteFiles] | None = None) -> SiteFiles:
    """Return content's site-wide files loaded and validated as of today, and their problems; with kept, as last made while unchanged (see Unchanged)."""

    def made() -> tuple[SiteFiles, bool]:
        tree, problems = load_site_files(content)
        facts, found = validate_site_files(tree, today)
        return (tree, facts, problems + found), tree.read is not None and tree.read.key_parts() is not None

    if kept is None:
        return made()[0]
    where = f"{content}/"
    key = digest([where, os.getcwd(), (today or real_today()).isoformat()])
    tree, facts, problems = kept.get_or_read(key, (where, *(where + name for name in (*SITE_FILES, *OPTIONAL_SITE_FILES))), made)
    kept.forget_unused()
    return tree, facts, list(problems)  # a copy: the caller adds to it


class BuildCache:
    """What one long-running process (serve) keeps from build to build."""

    def __init__(self) -> None:
        self.results: Memo[Any] = Memo()
        """Each treatment's result, by a hash of all its inputs."""
        self.reads: Unchanged[FolderRead] = Unchanged()
        """Each treatment folder's bytes as last read, while the folder is unchanged on disk."""
        self.site: Unchanged[SiteFiles] = Unchanged()
        """The site-wide files loaded and validated, while they are unchanged on disk."""
        self._site_pages: tuple[bytes, tuple[Any, ...], Any] | None = None
        """The last index, 404, sitemap and robots, with the site-wide inputs' hash and the listings they were made from."""
        self.environments: Memo[jinja2.Environment] = Memo()
        """The Jinja environment (compiled layouts), by a hash of the layouts."""
        self.renderers: Memo[Renderer] = Memo()
        """The renderer and its presented values (sources' entries, marks), by a hash of every site-wide input."""
        self.written: LastWrite | None = None
        """What the last write left, so unchanged files can be linked instead of written again."""

    def renderer(self, key: bytes, made: Renderer) -> Renderer:
        """Return the last build's renderer when it was made against the same site-wide inputs (key), else made.

        Its presenter's values (each source's entry, each mark) are made from those inputs
        alone, so a rebuild after an edit to one page presents only what changed; past
        MAX_PRESENTED values (a long session's edits) it starts afresh.
        """
        kept = self.renderers.get(key)
        renderer = kept if kept is not None and kept.presenter.kept() <= MAX_PRESENTED else made
        self.renderers.put(key, renderer)
        self.renderers.forget_unused()
        return renderer

    def site_pages(self, key: bytes, listings: tuple[T, ...], make: Callable[[], Any]) -> Any:
        """Return the last build's site pages when made from the same site-wide inputs (key) and equal listings, else make().

        Listings are compared, not hashed: those of unchanged treatments are the very
        objects of the last build, so a thousand compare in a blink.
        """
        last = self._site_pages
        if last is None or last[0] != key or last[1] != listings:
            last = self._site_pages = (key, listings, make())
        return last[2]
