"""Write the whole site at once: stage it beside the target, then swap it in.

A failing or killed build never leaves a half-written site: until the swap, the old
folder is untouched, and files of removed pages vanish because the tree is replaced.
The preview server's rebuilds write the same way, reusing what the last write left
(clinicsite.incremental); this module is all a one-off build needs.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds to one folder are not kept apart
    fcntl = None  # type: ignore[assignment]

from clinicsite.render import File
from clinicsite.target import MARKER, MARKER_TEXT, OutputError, real_target, refuse_unsafe

__all__ = ["OutputError", "Stage", "WriteResult", "lock", "recover", "write_site"]


@dataclass(frozen=True)
class WriteResult:
    """What a successful write produced."""

    files: int
    bytes: int


def _prefixes(out: Path) -> tuple[str, str]:
    """Return the name prefixes of this target's staging and set-aside folders."""
    return f".{out.name}.staging-", f".{out.name}.old-"


def is_stage_of(folder: Path, out: Path) -> bool:
    """Return True when folder is named and placed as a stage of out (see new_stage)."""
    return folder.parent == out.parent and folder.name.startswith(_prefixes(out)[0])


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


def inside(path: str) -> bool:
    """Return True when path stays inside the folder it is written to (a stage holds no links).

    PurePosixPath's reading of the path (empty and '.' parts dropped), without making two
    path objects a file: a build writes a thousand.
    """
    parts = [part for part in path.split("/") if part and part != "."]
    return bool(parts) and not path.startswith("/") and ".." not in parts


def refuse_outside(file: File) -> None:
    """Raise OutputError when file would be written outside the output folder."""
    if not inside(file.path):
        raise OutputError(f"refusing to write '{file.path}' outside the output folder")


def new_stage(out: Path) -> Path:
    """Return a new, empty stage beside out (out's parent exists); an interrupted build leaves it to recover."""
    stage = Path(tempfile.mkdtemp(prefix=_prefixes(out)[0], dir=out.parent))
    os.chmod(stage, 0o755)  # mkdtemp makes it private; a web server must read the site
    return stage


def mark(stage: Path) -> None:
    """Write the marker that lets the next build replace this folder (see target.py); it is not a page."""
    (stage / MARKER).unlink(missing_ok=True)  # a reused stage's marker may be shared with out through a link
    with open(stage / MARKER, "xb") as handle:
        handle.write(MARKER_TEXT)


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


def _swap(stage: Path, out: Path, keep_old: bool) -> Path | None:
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


def swap_in(stage: Path, out: Path, keep_old: bool = False) -> Path | None:
    """Mark a complete stage and swap it in for out; return the old site's folder when keep_old could keep it.

    Raises OutputError when the system refused; the stage is then removed and out unchanged.
    """
    try:
        mark(stage)
        return _swap(stage, out, keep_old)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise OutputError(f"could not write the site to '{out}': {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def prepare(out: Path, protected: tuple[Path, ...], keep: Path | None = None) -> Path:
    """Return where out really is (a link stays, the folder it leads to is replaced), ready to stage beside.

    Refuses an unsafe target (see target.py) and cleans up a killed build's leftovers but keep.
    """
    refuse_unsafe(out, protected)
    out = real_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out, keep)
    except OSError as exc:
        raise OutputError(f"could not write the site to '{out}': {exc.strerror or exc}") from exc
    return out


class Stage:
    """A new site written beside out file by file (pages as they are made), then swapped in whole.

    Use it as a context manager: leaving the block without complete() removes the stage,
    so a build that finds errors, fails or is interrupted leaves out as it was. Whoever
    opens one holds lock(out) until the block ends: another build's clean-up would take
    the stage for a killed build's leftovers.
    """

    def __init__(self, out: Path, protected: tuple[Path, ...] = ()) -> None:
        self.out = prepare(out, protected)
        try:
            self.path: Path | None = new_stage(self.out)
        except OSError as exc:
            raise OutputError(f"could not write the site to '{self.out}': {exc.strerror or exc}") from exc
        self._folders = {self.path}
        self._sizes: dict[str, int] = {}
        """The size of each file written so far, by its path: the stage keeps no file's bytes."""

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)

    def add(self, file: File) -> None:
        """Write file into the stage as a new file; two files of one path are refused, not one lost."""
        if self.path is None:
            return
        if file.path in self._sizes:
            raise OutputError(f"refusing to write '{file.path}' twice: two files of the site have that path")
        refuse_outside(file)
        target = self.path / file.path
        try:
            if target.parent not in self._folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(target.parent)
            with open(target, "xb") as handle:
                handle.write(file.content)
        except OSError as exc:
            raise OutputError(f"could not write the site to '{self.out}': {exc.strerror or exc}") from exc
        self._sizes[file.path] = len(file.content)

    def complete(self, files: tuple[File, ...]) -> WriteResult:
        """Add what of files is not written yet and swap the stage in for out; with the files added before, the whole site."""
        for file in files:
            self.add(file)
        stage, self.path = self.path, None
        assert stage is not None, "a stage is completed once"
        swap_in(stage, self.out)
        return WriteResult(len(self._sizes), sum(self._sizes.values()))


def write_site(files: tuple[File, ...], out: Path, protected: tuple[Path, ...] = ()) -> WriteResult:
    """Write files as the complete content of out, replacing what was there at once.

    Raises OutputError when the site could not be written; out is then unchanged.
    """
    with Stage(out, protected) as stage:
        return stage.complete(files)
