"""Which folders a build may replace: only its own earlier builds, new folders and empty ones.

A build replaces its output folder whole, so a careless `--out` (the content, the layouts,
the project's code, a home folder, a user's folder of documents) would delete what is in
it. Every build writes MARKER into the folder, and a folder that is not empty is replaced
only when it holds that marker. A link is followed: its target is replaced, the link stays.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: Written into every build; a non-empty folder without it is never replaced.
MARKER = ".clinicsite-build"
MARKER_TEXT = b"This folder is built by clinicsite (python build.py); each build replaces it whole.\n"

_PROJECT = Path(__file__).resolve().parent.parent
#: The project's own folders: its package, virtualenv, layouts, content, docs and tests.
_OWN = tuple(_PROJECT / name for name in ("clinicsite", ".venv", "layouts", "content", "docs", "tests"))
#: Top-level folders of the operating system: never replaced, nor anything in them.
_SYSTEM = frozenset({"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys", "usr"})


class OutputError(Exception):
    """The site could not be written; the message says why and what to do."""


def real_target(out: Path) -> Path:
    """Return the absolute folder a build to out replaces: out itself, or where its links lead.

    Raise OutputError for a link that loops, so no build ever replaces the link itself
    (which would cut it off from the folder it published).
    """
    try:
        return out.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: Python 3.11's "Symlink loop"
        raise OutputError(f"'{out}' is a link that leads back to itself; point it at a folder or choose another --out") from exc


def refuse_unsafe(out: Path, protected: tuple[Path, ...]) -> None:
    """Raise OutputError, saying why and what to do, unless a build may replace out.

    protected: the folders of this run (content, layouts); neither they nor anything
    holding them may be replaced, and neither may a folder inside them.
    """
    target = real_target(out)
    _refuse_protected(out, target, (*protected, *_OWN, Path(sys.prefix)))
    _refuse_system(out, target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"'{out}' exists and is not a folder; remove it or choose another --out")
    if (target / ".git").exists():
        raise OutputError(f"refusing to replace '{out}': it is a git repository; choose another --out folder")
    if target.is_dir() and not is_build(target) and any(target.iterdir()):
        raise OutputError(_foreign(out, target))


def is_build(folder: Path) -> bool:
    """Return True when folder holds the marker of a clinicsite build (a regular file, not a link)."""
    return (folder / MARKER).is_file() and not (folder / MARKER).is_symlink()


def _refuse_protected(out: Path, target: Path, protected: tuple[Path, ...]) -> None:
    for path in protected:
        real = path.resolve()
        if real.is_relative_to(target):
            raise OutputError(f"refusing to replace '{out}': it contains '{path}'; choose another --out folder")
        if target.is_relative_to(real):
            raise OutputError(f"refusing to replace '{out}': it is inside '{path}', which a build must not change; choose another --out folder")


def _refuse_system(out: Path, target: Path) -> None:
    home = Path.home().resolve()
    if len(target.parts) <= 2 or target.parts[1] in _SYSTEM:
        raise OutputError(f"refusing to replace '{out}': it is a system folder; choose a folder of your own, e.g. --out site")
    if home.is_relative_to(target):
        raise OutputError(f"refusing to replace '{out}': it holds your home folder; choose a new folder, e.g. --out site")


def _foreign(out: Path, target: Path) -> str:
    """Return the message for a non-empty folder without the marker."""
    if (target / "index.html").is_file() and (target / "sitemap.xml").is_file():
        return (
            f"refusing to replace '{out}': it has no {MARKER} file, which every build writes since this version; "
            f"if it is a site built by an older clinicsite and holds nothing else, delete it (rm -r '{out}') and build again"
        )
    return (
        f"refusing to replace '{out}': it is a folder of files this tool did not build (no {MARKER} file); "
        "a build replaces its folder whole; choose a new or empty --out folder"
    )
