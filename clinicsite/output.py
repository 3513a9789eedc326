"""Write the whole site at once: stage it beside the target, then swap it in.

A failing or killed build never leaves a half-written site: until the swap, the old
folder is untouched, and files of removed pages vanish because the tree is replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds to one folder are not kept apart
    fcntl = None  # type: ignore[assignment]

from clinicsite.render import File
from clinicsite.target import MARKER, MARKER_TEXT, OutputError, real_target, refuse_unsafe

__all__ = ["OutputError", "Staged", "WriteResult", "lock", "open_stage", "put", "recover", "write_site"]


#: How a written file looked on disk (inode, size, modification time): while out/ still
#: shows it so, the file holds the bytes that were written and may be linked from.
Stamp = tuple[int, int, int]
#: Each file written: its path -> its bytes and its stamp.
Written = dict[str, tuple[bytes, Stamp]]


@dataclass(frozen=True)
class WriteResult:
    """What a successful write produced."""

    files: int
    bytes: int
    written: Written = field(default_factory=dict, repr=False, compare=False)
    """What was written, for the next write's links."""
    spare: tuple[Path, Written] | None = field(default=None, repr=False, compare=False)
    """Preview only: the replaced site, kept to become the next stage, and what it holds."""


def _prefixes(out: Path) -> tuple[str, str]:
    """Return the name prefixes of this target's staging and set-aside folders."""
    return f".{out.name}.staging-", f".{out.name}.old-"


@contextlib.contextmanager
def lock(out: Path) -> Iterator[None]:
    """Hold, until the block ends, the folder out is written in: other builds and rebuilds wait.

    Each write cleans up stages it finds beside out as a killed build's leftovers (recover);
    without the lock it would also remove the stage of a build still running, which would
    then swap in the few pages it had left. The folder itself is locked (flock), so no lock
    file is left beside the site; its nearest existing ancestor when it is not made yet.
    """
    folder = real_target(out).parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    if fcntl is None:  # pragma: no cover
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def recover(out: Path, keep: Path | None = None) -> None:
    """Clean up after a build that was killed: drop stale stages (but keep), restore a set-aside site."""
    out = real_target(out)
    staging, old = _prefixes(out)
    parent = out.parent
    if not parent.is_dir():
        return
    leftovers = sorted(p for p in parent.iterdir() if p.name.startswith((staging, old)) and p != keep)
    for path in leftovers:
        if path.name.startswith(old) and not out.exists():
            path.rename(out)  # killed between the two renames: the old site comes back
        else:
            shutil.rmtree(path, ignore_errors=True)


def _stamp(path: Path) -> Stamp:
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


@dataclass(frozen=True)
class Staged:
    """A file a worker process already wrote into the stage (see open_stage): its path and size."""

    path: str
    size: int


def open_stage(out: Path, protected: tuple[Path, ...] = ()) -> Path:
    """Return a new, empty stage beside out, for worker processes to write pages into with put.

    Hand it to write_site with what was put; delete it if the site is not written. A build
    killed meanwhile leaves it to the next build's recover.
    """
    refuse_unsafe(out, protected)
    out = real_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        stage = Path(tempfile.mkdtemp(prefix=_prefixes(out)[0], dir=out.parent))
        os.chmod(stage, 0o755)  # mkdtemp makes it private; a web server must read the site
    except OSError as exc:
        raise OutputError(f"could not write the site to '{out}': {exc.strerror or exc}") from exc
    return stage


def put(stage: Path, file: File) -> Staged:
    """Write one new file into a stage made by open_stage (any process may)."""
    if not _inside(file.path):
        raise OutputError(f"refusing to write '{file.path}' outside the output folder")
    target = stage / file.path
    try:
        if not stage.is_dir():  # never make the stage again: someone removed it, and its other pages
            raise OutputError(f"the staging folder '{stage}' was removed while the site was being written; build again")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:
            handle.write(file.content)
    except OSError as exc:
        raise OutputError(f"could not write the site to '{stage.parent}': {exc.strerror or exc}") from exc
    return Staged(file.path, len(file.content))


def _reuse(file: File, target: Path, out: Path, previous: WriteResult | None) -> bool:
    """Link target to out's copy of file when the last write left exactly these bytes there."""
    before = previous.written.get(file.path) if previous else None
    if before is None or before[0] != file.content:
        return False
    try:
        if _stamp(out / file.path) != before[1]:
            return False
        os.link(out / file.path, target)
    except OSError:
        return False
    return True


def _inside(path: str) -> bool:
    """Return True when path stays inside the folder it is written to (the stage holds no links)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts


def _same(path: Path, stamp: Stamp) -> bool:
    try:
        return _stamp(path) == stamp
    except OSError:
        return False


def _stage(files: tuple[File, ...], stage: Path, out: Path, previous: WriteResult | None, held: Written) -> WriteResult:
    """Write files into stage, which already holds held; link from out what the previous write left unchanged.

    A changed file is always a new file (removed first, then opened in 'x' mode, which
    refuses an existing one), so no write can reach a file that out/ shares through a link.
    """
    total = 0
    written: Written = {}
    folders = {stage}
    for file in sorted(files, key=lambda f: f.path):
        if not _inside(file.path):
            raise OutputError(f"refusing to write '{file.path}' outside the output folder")
        target = stage / file.path
        total += len(file.content)
        before = held.pop(file.path, None)
        if before is not None and before[0] == file.content and _same(target, before[1]):
            written[file.path] = before
            continue
        if before is not None:
            target.unlink(missing_ok=True)
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        if not _reuse(file, target, out, previous):
            with open(target, "xb") as handle:
                handle.write(file.content)
        written[file.path] = (file.content, _stamp(target))
    for path in held:  # files of pages that are gone
        (stage / path).unlink(missing_ok=True)
        for folder in (stage / path).parents[: len(PurePosixPath(path).parts) - 1]:
            if any(folder.iterdir()):
                break
            folder.rmdir()
    return WriteResult(len(files), total, written)


def _exchange(stage: Path, out: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported.

    With it there is no moment at which out is missing or half-written: a reader (or a
    killed build) sees the old site or the new one.
    """
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(stage), at_fdcwd, os.fsencode(out), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(out))


def _swap(stage: Path, out: Path, keep_old: bool = False) -> Path | None:
    """Put stage where out is: exchanged atomically where the system can, else by two renames.

    Return the folder now holding the old site when keep_old and it could be kept, else
    delete it. In the fallback the old site is set aside first and removed last; a build
    killed between the two renames is repaired by the next one (see recover).
    """
    if out.exists() and _exchange(stage, out):
        if keep_old:
            return stage  # stage now holds the old site
        shutil.rmtree(stage, ignore_errors=True)
        return None
    aside = None
    if out.exists():
        aside = Path(tempfile.mkdtemp(prefix=_prefixes(out)[1], dir=out.parent))
        aside.rmdir()
        out.rename(aside)
    try:
        stage.rename(out)
    except OSError:
        if aside is not None:
            aside.rename(out)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return None


def _spare_for(out: Path, previous: WriteResult | None) -> tuple[Path, Written] | None:
    """Return the previous write's spare and what it holds, if it is still there beside out."""
    spare = previous.spare if previous is not None else None
    if spare is None or spare[0].parent != out.parent or not spare[0].name.startswith(_prefixes(out)[0]):
        return None
    return spare if spare[0].is_dir() else None


def _fill(files: tuple[File, ...], out: Path, previous: WriteResult | None, ready: Path | None) -> tuple[Path, WriteResult]:
    """Return a stage holding files: ready (from open_stage), the previous write's spare brought up to date, or a new folder."""
    found = _spare_for(out, previous) if ready is None else None
    if found is not None:
        spare, held = found
        try:
            return spare, _stage(files, spare, out, previous, dict(held))
        except OSError:  # something changed in the spare behind our back: start afresh
            shutil.rmtree(spare, ignore_errors=True)
    stage = ready or Path(tempfile.mkdtemp(prefix=_prefixes(out)[0], dir=out.parent))
    try:
        os.chmod(stage, 0o755)  # mkdtemp makes it private; a web server must read the site
        return stage, _stage(files, stage, out, previous, {})
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_site(
    files: tuple[File, ...],
    out: Path,
    protected: tuple[Path, ...] = (),
    previous: WriteResult | None = None,
    staged: tuple[Path, tuple[Staged, ...]] | None = None,
) -> WriteResult:
    """Write files as the complete content of out, replacing what was there at once.

    previous, the result of the last write to out (the preview server's rebuilds), lets
    files it left unchanged be hard-linked instead of written again, and keeps the
    replaced site as a spare: the next write brings it up to date as its stage, so the
    site's folders are neither made nor deleted again. staged: a stage from open_stage
    and the files already put there; files are added to it and it is swapped in.
    """
    refuse_unsafe(out, protected)
    out = real_target(out)  # a link stays, and the folder it leads to is replaced
    out.parent.mkdir(parents=True, exist_ok=True)
    ready, done = staged or (None, ())
    if ready is None:
        recover(out, keep=previous.spare[0] if previous is not None and previous.spare is not None else None)
    try:
        if ready is not None:
            _check_staged(ready, done)
        stage, result = _fill(files, out, previous, ready)
        _mark(stage)
    except OSError as exc:
        raise OutputError(f"could not write the site to '{out}': {exc.strerror or exc}") from exc
    result = dataclasses.replace(result, files=result.files + len(done), bytes=result.bytes + sum(s.size for s in done))
    return _put_in_place(stage, out, result, previous)


def _mark(stage: Path) -> None:
    """Write the marker that lets the next build replace this folder (see target.py); it is not a page."""
    (stage / MARKER).unlink(missing_ok=True)  # a spare's marker may be shared with out through a link
    with open(stage / MARKER, "xb") as handle:
        handle.write(MARKER_TEXT)


def _check_staged(stage: Path, done: tuple[Staged, ...]) -> None:
    """Raise OutputError, removing stage, unless every file put there is still there, whole."""
    for file in done:
        try:
            whole = (stage / file.path).stat().st_size == file.size
        except OSError:
            whole = False
        if not whole:
            shutil.rmtree(stage, ignore_errors=True)
            raise OutputError(f"'{file.path}' went missing from the staging folder before the swap; the site was not changed; build again")


def _put_in_place(stage: Path, out: Path, result: WriteResult, previous: WriteResult | None) -> WriteResult:
    """Swap a complete stage in for out; with previous (the preview server), keep the old site as the spare."""
    try:
        spare = _swap(stage, out, keep_old=previous is not None)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise OutputError(f"could not write the site to '{out}': {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    held = previous.written if previous is not None else {}
    return dataclasses.replace(result, spare=(spare, held) if spare is not None else None)
