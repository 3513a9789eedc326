"""serve's change batches: a save during a rebuild brings one more, a burst is one rebuild, leftovers are ignored."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from clinicsite.watch import Watcher, snapshot


def run_until(watcher: Watcher, done: Callable[[], bool], seconds: float = 20) -> None:
    thread = watcher.start()
    deadline = time.monotonic() + seconds
    try:
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        watcher.stop.set()
        thread.join(timeout=10)


def test_a_save_during_a_rebuild_brings_one_more_rebuild(tmp_path: Path) -> None:
    page = tmp_path / "page.yaml"
    page.write_text("first")
    seen: list[str] = []

    def build() -> None:
        seen.append(page.read_text())
        if len(seen) == 1:
            page.write_text("saved during the rebuild")  # after this rebuild read the file

    watcher = Watcher([tmp_path], build)
    page.write_text("second")
    run_until(watcher, lambda: len(seen) >= 2)
    assert seen[:2] == ["second", "saved during the rebuild"]


def test_a_burst_of_saves_is_one_rebuild_of_the_last(tmp_path: Path) -> None:
    page = tmp_path / "page.yaml"
    page.write_text("start")
    seen: list[str] = []
    watcher = Watcher([tmp_path], lambda: seen.append(page.read_text()), quiet=1.0, most=30)
    for n in range(10):
        page.write_text(f"save {n}")
    run_until(watcher, lambda: bool(seen))
    assert seen == ["save 9"]


def test_editor_leftovers_are_not_changes_but_new_folders_are(tmp_path: Path) -> None:
    before = snapshot([tmp_path])
    for name in (".page.yaml.swp", "page.yaml~", "#page.yaml#"):
        (tmp_path / name).write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git/index").write_text("x")
    assert snapshot([tmp_path]) == before
    (tmp_path / "new-treatment").mkdir()
    assert snapshot([tmp_path]) != before
