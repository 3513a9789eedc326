"""What the preview server keeps between rebuilds: results by a hash of their inputs.

There is no dependency graph to keep right. A treatment's result is remembered under a
hash of every byte it was made from (its folder's files, the site-wide files, the
layouts, the date); a change to any of them gives a new key, so a stale result can never
be found. Only results used by the last build are kept, so memory stays bounded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

import jinja2

from clinicsite.incremental import LastWrite

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


class BuildCache:
    """What one long-running process (serve) keeps from build to build."""

    def __init__(self) -> None:
        self.results: Memo[Any] = Memo()
        """Each treatment's result, by a hash of all its inputs."""
        self.site_pages: Memo[Any] = Memo()
        """The index, 404, sitemap and robots, by a hash of the site-wide inputs and every treatment's listing."""
        self.environments: Memo[jinja2.Environment] = Memo()
        """The Jinja environment (compiled layouts), by a hash of the layouts."""
        self.written: LastWrite | None = None
        """What the last write left, so unchanged files can be linked instead of written again."""
