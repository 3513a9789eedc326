"""Which files of layouts/assets are published: visible files that stay inside the layouts folder.

The assets folder was copied with every link followed and every file taken: a link to
/proc/self/environ published the build's environment variables, and an editor's swap file
was deployed. Now hidden files and editor leftovers are left out (as in content/), and a
link is published only when it leads to a file inside the layouts folder; any other link
is a located error, never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.loader import display_path

ASSETS = "assets"


def _shown(name: str) -> bool:
    """Return False for hidden files and editor leftovers (.x, #x#, x~), which are never published."""
    return not (name.startswith((".", "#")) or name.endswith("~"))


def _candidates(folder: Path) -> list[Path]:
    """Return the visible files and links under folder, sorted, without entering linked folders."""
    found: list[Path] = []
    for top, folders, names in os.walk(folder):  # followlinks=False: a linked folder is listed, not entered
        here = Path(top)
        linked = [name for name in folders if (here / name).is_symlink()]
        folders[:] = [name for name in folders if _shown(name) and name not in linked]
        found += [here / name for name in names + linked if _shown(name)]
    return sorted(found)


def read_assets(layouts: Path) -> tuple[list[tuple[str, bytes]], list[Diagnostic]]:
    """Return each published asset's path (relative to layouts) and bytes, and the links refused."""
    folder = layouts / ASSETS
    if not folder.is_dir():
        return [], []
    root = layouts.resolve()
    files: list[tuple[str, bytes]] = []
    problems: list[Diagnostic] = []
    for path in _candidates(folder):
        target = path.resolve()
        if not target.is_relative_to(root) or not target.is_file():
            where = "outside the layouts folder" if not target.is_relative_to(root) else "to a folder or to nothing"
            problems.append(error(Location(display_path(path)), "layout-error", f"this asset is a link {where}; put the file itself here"))
            continue
        files.append((path.relative_to(layouts).as_posix(), target.read_bytes()))
    return files, problems
