"""How a build's treatments are run: one after another, in forked worker processes, or from the preview's cache.

The pipeline hands over a pure function of one treatment folder and the folders; which
way they are run changes nothing in what comes back, only how long it takes. So the
choice is made here alone, from the number of folders and the system, and a test can
force either way (PARALLEL_FROM, workers).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from clinicsite.cache import FolderRead, Memo, Unchanged, digest, read_unless_unchanged
from clinicsite.loader import FolderBytes

T = TypeVar("T")
R = TypeVar("R")

#: From this many treatments on, the work is shared across processes (on Linux, by fork).
PARALLEL_FROM = 50
#: Treatments handed to a worker at a time: small enough to keep every core busy to the end.
CHUNK = 10


def workers() -> int:
    """Return how many processes may work at once: the cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parallel(count: int) -> bool:
    """Return True when count items are worth sharing across forked worker processes here."""
    # fork only on Linux: workers inherit the validated site-wide facts and the compiled
    # layouts instead of receiving them; macOS's system libraries are not fork-safe.
    return count >= PARALLEL_FROM and workers() >= 2 and sys.platform.startswith("linux")


_work_in_this_worker: Callable[[Any], Any] | None = None
"""Set in each worker process, after the fork, by _adopt; never in the process that forks."""


def _adopt(work: Callable[[Any], Any]) -> None:
    # A forked worker is handed work in memory, by the pool, not pickled.
    global _work_in_this_worker
    _work_in_this_worker = work


def keep(result: R) -> R:
    """Return result as it came: what run_all keeps of each result unless told otherwise."""
    return result


def _without_collector(work: Callable[[T], R], items: Sequence[T], arrived: Callable[[R], R] = keep) -> list[R]:
    # One item's objects are freed by reference counting as soon as its result is made;
    # the cycle collector, run every few hundred allocations, would only cost time (~3% of a build).
    gc.disable()
    try:
        return [arrived(work(item)) for item in items]
    finally:
        gc.enable()


def _work_chunk(items: list[Any]) -> list[Any]:
    assert _work_in_this_worker is not None, "run only in a worker started by run_all"
    return _without_collector(_work_in_this_worker, items)


def run_all(work: Callable[[T], R], items: Sequence[T], arrived: Callable[[R], R] = keep, meanwhile: Callable[[], None] | None = None) -> list[R]:
    """Return arrived(work(item)) for each item, in order: in worker processes when there are many and the system can fork.

    arrived is called here with each result as it comes, while the workers make the next;
    what it returns is kept (a build writes a page and keeps its result without the bytes).
    meanwhile, when given, is called once here while the workers start on the items (before them, when they run here).
    """
    if not parallel(len(items)):
        if meanwhile is not None:
            meanwhile()
        return _without_collector(work, items, arrived)
    # What the workers inherit is never garbage: freezing it spares their collector from
    # scanning it, and their memory pages from being copied to do so.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers(), initializer=_adopt, initargs=(work,)) as pool:
            chunks = [list(items[i : i + CHUNK]) for i in range(0, len(items), CHUNK)]
            made = pool.imap(_work_chunk, chunks)
            if meanwhile is not None:
                meanwhile()
            return [arrived(result) for chunk in made for result in chunk]
    finally:
        gc.unfreeze()


def run_treatments(
    folders: list[Path],
    root: Path,
    work: Callable[[Path, FolderBytes | None], R],
    memo: tuple[Memo[R], Unchanged[FolderRead]] | None = None,
    key: bytes = b"",
    arrived: Callable[[R], R] = keep,
    meanwhile: Callable[[], None] | None = None,
) -> list[R]:
    """Return work(folder, read) for each treatment folder, in order, each new one as arrived returns it (see run_all).

    With a memo (the preview server's results and folder reads), a folder's result is taken
    from the last build when nothing it is made from changed: key hashes the site-wide
    inputs, and each folder is read first (or taken as read, while unchanged on disk) so
    its result is remembered under the hash of the very bytes parsed (read is passed to
    work). Without one, read is None and work reads the folder itself. meanwhile: as for run_all.
    """
    if memo is None:
        return run_all(lambda folder: work(folder, None), folders, arrived, meanwhile)
    if meanwhile is not None:
        meanwhile()
    results, reads = memo
    real_root = str(root.resolve())
    made = [read_unless_unchanged(reads, folder, root, real_root) for folder in folders]
    reads.forget_unused()
    keys = [digest([key, hashed]) if hashed is not None else None for _, hashed in made]
    return results.get_or_make(keys, lambda missing: run_all(lambda i: work(folders[i], made[i][0]), missing, arrived))
