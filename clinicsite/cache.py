"""What the preview server keeps between rebuilds: results by a hash of their inputs.

There is no dependency graph to keep right. A treatment's result is remembered under a
hash of every byte it was made from (its folder's files, the site-wide files, the
layouts, the date); a change to any of them gives a new key, so a stale result can never
be found. Only results used by the last build are kept, so memory stays bounded.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

import jinja2

from clinicsite.incremental import LastWrite
from clinicsite.loader import TREATMENT_READ, FolderBytes, read_treatment
from clinicsite.render import Renderer

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
    return all(look is None or max(look[4], look[5]) < before_ns - SETTLED_NS for look in looks)


class FolderReads:
    """Each treatment folder as the last build read it, and the hash of its bytes: taken again while nothing in it changed.

    A rebuild after one saved file would otherwise read and hash every file of a thousand
    folders. A folder is taken from here only when it and each file a build reads from it
    look on disk as they did just before they were read (lstat: an added, removed, renamed
    or rewritten file changes its folder's or its own change time), and only when none had
    changed in the SETTLED_NS before: a file saved again within the clock tick of its last
    change could keep its look, so such a folder is read afresh. A folder holding links, or
    a file refused while reading, is read every time. Only folders of the last build are kept.
    """

    def __init__(self) -> None:
        self._kept: Memo[tuple[tuple[Look, ...], FolderBytes | None, bytes | None]] = Memo()

    def read(self, folder: Path, root: Path, real_root: str) -> tuple[FolderBytes | None, bytes | None]:
        """Return read_treatment(folder, root) and the hash of its key_parts (None when it has none); real_root: root resolved."""
        where = f"{folder}/"
        looks = (_look(where), *(_look(where + name) for name in TREATMENT_READ))
        key = digest([where, real_root])
        kept = self._kept.get(key)
        if kept is not None and kept[0] == looks:
            return kept[1], kept[2]
        before = time.time_ns()
        read = read_treatment(folder, root)
        parts = read.key_parts() if read is not None else None
        hashed = digest(parts) if parts is not None else None
        if hashed is not None and looks[0] is not None and _settled(looks, before):
            self._kept.put(key, (looks, read, hashed))
        return read, hashed

    def forget_unused(self) -> None:
        """Drop the folders the last build did not read."""
        self._kept.forget_unused()


class BuildCache:
    """What one long-running process (serve) keeps from build to build."""

    def __init__(self) -> None:
        self.results: Memo[Any] = Memo()
        """Each treatment's result, by a hash of all its inputs."""
        self.reads = FolderReads()
        """Each treatment folder's bytes as last read, while the folder is unchanged on disk."""
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
