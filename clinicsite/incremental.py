"""The preview server's rebuilds: write the site atomically again, reusing what the last write left.

A rebuild after one saved file changes a page or two, yet the site must still be swapped
in whole (clinicsite.output). So a file whose bytes the last write left in out/ is
hard-linked from there instead of written again, and the site the swap replaces is kept
beside out/ as the next rebuild's stage: brought up to date file by file, its folders are
neither made nor deleted again. Every reuse is checked against the file as it was left
on disk (its stamp), so a file changed behind the server's back is written afresh.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from clinicsite.output import WriteResult, is_stage_of, new_stage, prepare, refuse_outside, swap_in
from clinicsite.render import File
from clinicsite.target import OutputError

#: How a written file looked on disk (inode, size, modification time): while a folder still
#: shows it so, the file holds the bytes that were written and may be linked from or kept.
Stamp = tuple[int, int, int]
#: Each file written: its path -> its bytes and its stamp.
Written = dict[str, tuple[bytes, Stamp]]


@dataclass(frozen=True)
class LastWrite:
    """What one rebuild left for the next: what it wrote to out, and the folder it replaced."""

    written: Written = field(repr=False)
    next_stage: tuple[Path, Written] | None = field(default=None, repr=False)
    """The replaced site, kept beside out to become the next stage, and what it holds."""


def _stamp(path: str | Path) -> Stamp:
    status = os.stat(path)
    return status.st_ino, status.st_size, status.st_mtime_ns


def _still_as_written(path: str | Path, stamp: Stamp) -> bool:
    try:
        return _stamp(path) == stamp
    except OSError:
        return False


def _link_from_out(file: File, target: str, out: Path, last: LastWrite | None) -> bool:
    """Link target to out's copy of file when the last write left exactly these bytes there."""
    before = last.written.get(file.path) if last else None
    source = f"{out}/{file.path}"
    if before is None or before[0] != file.content or not _still_as_written(source, before[1]):
        return False
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _update(files: tuple[File, ...], stage: Path, out: Path, last: LastWrite | None, in_stage: Written) -> tuple[WriteResult, Written]:
    """Make stage, which holds in_stage, hold exactly files; link from out what the last write left unchanged.

    A changed file is always a new file (removed first, then opened in 'x' mode, which
    refuses an existing one), so no write can reach a file that out/ shares through a link.
    """
    total = 0
    written: Written = {}
    folders = {str(stage)}
    for file in sorted(files, key=lambda f: f.path):
        refuse_outside(file)
        target = f"{stage}/{file.path}"  # strings, not paths: a rebuild passes over every file of the site
        total += len(file.content)
        before = in_stage.pop(file.path, None)
        if before is not None and before[0] == file.content and _still_as_written(target, before[1]):
            written[file.path] = before
            continue
        if before is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
        parent = os.path.dirname(target)
        if parent not in folders:
            os.makedirs(parent, exist_ok=True)
            folders.add(parent)
        if not _link_from_out(file, target, out, last):
            with open(target, "xb") as handle:
                handle.write(file.content)
        written[file.path] = (file.content, _stamp(target))
    for path in in_stage:  # files of pages that are gone
        (stage / path).unlink(missing_ok=True)
        for folder in (stage / path).parents[: len(PurePosixPath(path).parts) - 1]:
            if any(folder.iterdir()):
                break
            folder.rmdir()
    return WriteResult(len(files), total), written


def _staged(files: tuple[File, ...], out: Path, last: LastWrite | None) -> tuple[Path, WriteResult, Written]:
    """Return a stage holding files: the last write's replaced site brought up to date, else a new folder."""
    kept = last.next_stage if last is not None else None
    if kept is not None and is_stage_of(kept[0], out) and kept[0].is_dir():
        try:
            return kept[0], *_update(files, kept[0], out, last, dict(kept[1]))
        except OSError:  # something changed in it behind our back: start afresh
            shutil.rmtree(kept[0], ignore_errors=True)
    stage = new_stage(out)
    try:
        return stage, *_update(files, stage, out, last, {})
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def rewrite_site(files: tuple[File, ...], out: Path, protected: tuple[Path, ...], last: LastWrite | None) -> tuple[WriteResult, LastWrite]:
    """Write files as the complete content of out, as output.write_site does, reusing what last left.

    last is what the previous rebuild to out returned (None the first time); pass what this
    one returns to the next. Raises OutputError when the site could not be written; out is
    then unchanged.
    """
    out = prepare(out, protected, keep=last.next_stage[0] if last is not None and last.next_stage is not None else None)
    try:
        stage, result, written = _staged(files, out, last)
    except OSError as exc:
        raise OutputError(f"could not write the site to '{out}': {exc.strerror or exc}") from exc
    old = swap_in(stage, out, keep_old=last is not None)
    # the replaced site holds what the last write wrote; the first time, what is unknown is not kept
    return result, LastWrite(written, (old, last.written) if old is not None and last is not None else None)
