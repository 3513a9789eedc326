"""Change batches for serve: poll content/ and layouts/, wait for a quiet moment, rebuild until nothing changed.

Polling each file's stat (modification and change times in nanoseconds, size, inode)
ten times a second needs no dependency, sees a save however the editor writes it (in
place or by renaming a temporary file), and cannot miss one: the state the next rebuild
starts from is taken before it starts, so a save that lands during a rebuild differs from
that state and brings one more rebuild. Bursts are one rebuild: a rebuild starts once the
files have been quiet for QUIET seconds, or at the latest MOST seconds after the first
change not yet built, so an editor who never stops saving still sees pages.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

#: Seconds between looks at the files.
POLL = 0.1
#: Seconds without a change before a rebuild starts.
QUIET = 0.2
#: Seconds after the first unbuilt change when a rebuild starts even if changes go on.
MOST = 1.0

Stamp = tuple[int, int, int, int]


def _hidden(name: str) -> bool:
    """Return True for names the loader skips too: hidden files and editor leftovers (.x, x~, #x#)."""
    return name.startswith((".", "#")) or name.endswith("~")


def snapshot(folders: Iterable[Path]) -> dict[str, Stamp]:
    """Return the stat stamp of every visible file and folder under folders; a file that vanishes meanwhile is left out."""
    found: dict[str, Stamp] = {}
    for folder in folders:
        for parent, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not _hidden(d)]
            for name in [*dirs, *files]:
                if _hidden(name):
                    continue
                path = os.path.join(parent, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found[path] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
    return found


class Watcher:
    """Call build after every batch of changes under folders, until stopped."""

    def __init__(self, folders: Iterable[Path], build: Callable[[], None], poll: float = POLL, quiet: float = QUIET, most: float = MOST) -> None:
        self.folders = tuple(folders)
        self.build = build
        """Called on this watcher's thread; it must not raise (serve's reports every failure itself)."""
        self.poll, self.quiet, self.most = poll, quiet, most
        self.stop = threading.Event()
        self.seen = snapshot(self.folders)

    def run(self) -> None:
        """Watch and rebuild until stop is set; meant to be a thread's target."""
        first: float | None = None
        last = 0.0
        while not self.stop.wait(self.poll):
            now = snapshot(self.folders)
            if now != self.seen:
                self.seen, last = now, time.monotonic()
                first = first if first is not None else last
            if first is not None and (time.monotonic() - last >= self.quiet or time.monotonic() - first >= self.most):
                first = None
                self.build()  # self.seen was taken before it started: a save from now on is a change

    def start(self) -> threading.Thread:
        """Return the thread now running this watcher."""
        thread = threading.Thread(target=self.run, name="clinicsite-watch", daemon=True)
        thread.start()
        return thread
