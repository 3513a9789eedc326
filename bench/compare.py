"""Time full builds of one content folder by several checkouts of the project, taking turns.

A change that saves a few percent is lost in a shared machine's noise when its builds run
one after another; taking turns lets the load fall on every checkout alike. Give the
checkout to compare against first (e.g. a `git worktree add /tmp/before HEAD~3`):

    .venv/bin/python -m bench.compare bench/out/n1000/content /tmp/before . --runs 5

Each build runs `python build.py build` in that checkout (its own package comes first on
the path) into a folder of its own; the medians are printed with their ratio to the first.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import sys
import tempfile
from pathlib import Path

from bench.run import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("content", type=Path, help="a content folder, e.g. bench/out/n1000/content")
    parser.add_argument("checkouts", type=Path, nargs="+", help="project folders to compare; ratios are to the first")
    parser.add_argument("--runs", type=int, default=5, help="rounds (default: 5)")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkouts]
    for checkout in checkouts:
        if not (checkout / "build.py").is_file():
            sys.exit(f"{checkout}: no build.py here; give project checkouts")
        compileall.compile_dir(checkout / "clinicsite", quiet=1)  # as bench.run does: time runs, not compiling
    times: list[list[float]] = [[] for _ in checkouts]
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.runs):
            for k, checkout in enumerate(checkouts):
                out = Path(scratch) / f"site-{k}"
                command = [sys.executable, str(checkout / "build.py"), "build", "--content", str(args.content.resolve()), "--out", str(out)]
                times[k].append(measure(command)[0])
    first = statistics.median(times[0])
    for checkout, found in zip(checkouts, times, strict=True):
        median = statistics.median(found)
        runs = " ".join(f"{t:.2f}" for t in found)
        print(f"{checkout}: median {median:.2f} s, {median / first:.3f} of the first (runs: {runs})")


if __name__ == "__main__":
    main()
