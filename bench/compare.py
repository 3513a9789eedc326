"""Time full builds of one content folder by several checkouts of the project, taking turns.

A change that saves a few percent is lost in a shared machine's noise when its builds run
one after another; taking turns lets the load fall on every checkout alike. Give the
checkout to compare against first (e.g. a `git worktree add /tmp/before HEAD~3`):

    .venv/bin/python -m bench.compare bench/out/n1000/content /tmp/before . --runs 5

Each build runs `python build.py build` (or `check`, with --command check) in that checkout
(its own package comes first on the path) into a folder of its own, removed before each build
(untimed, as bench.run does for both tools: the build is timed, not deleting the last site); the medians are printed
with their ratio to the first: of wall time, and of CPU time (user and system, the workers'
included), which what else the machine runs sways less. When the content format changed between the checkouts, give
--generate N instead of a content folder: each checkout then builds the synthetic site of N
treatments that its own bench.generate writes (the same site, each in its own format):

    .venv/bin/python -m bench.compare --generate 1000 /tmp/before . --runs 5
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.run import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("content", type=Path, nargs="?", help="a content folder, e.g. bench/out/n1000/content (or give --generate)")
    parser.add_argument("checkouts", type=Path, nargs="+", help="project folders to compare; ratios are to the first")
    parser.add_argument("--runs", type=int, default=5, help="rounds (default: 5)")
    parser.add_argument("--generate", type=int, metavar="N", help="each checkout builds the N-treatment synthetic site its own bench.generate writes")
    parser.add_argument("--command", choices=("build", "check"), default="build", help="what to time (default: build)")
    args = parser.parse_args()
    if args.generate is None and args.content is None:
        sys.exit("give a content folder or --generate N")
    if args.generate is not None and args.content is not None:
        args.checkouts.insert(0, args.content)
    checkouts = [c.resolve() for c in args.checkouts]
    for checkout in checkouts:
        if not (checkout / "build.py").is_file():
            sys.exit(f"{checkout}: no build.py here; give project checkouts")
        compileall.compile_dir(checkout / "clinicsite", quiet=1)  # as bench.run does: time runs, not compiling
    times: list[list[float]] = [[] for _ in checkouts]
    cpu: list[list[float]] = [[] for _ in checkouts]
    today = datetime.date.today().isoformat()
    with tempfile.TemporaryDirectory() as scratch:
        contents = [_content(args, checkout, Path(scratch) / f"content-{k}", today) for k, checkout in enumerate(checkouts)]
        for _ in range(args.runs):
            for k, checkout in enumerate(checkouts):
                site = Path(scratch) / f"site-{k}"
                shutil.rmtree(site, ignore_errors=True)  # untimed: every build starts with no site, as in bench.run
                out = ["--out", str(site)] if args.command == "build" else []
                command = [sys.executable, str(checkout / "build.py"), args.command, "--content", str(contents[k]), "--today", today, *out]
                run = measure(command)
                times[k].append(run.wall_s)
                cpu[k].append(run.cpu_s)
    first, first_cpu = statistics.median(times[0]), statistics.median(cpu[0])
    for checkout, found, used in zip(checkouts, times, cpu, strict=True):
        median, median_cpu = statistics.median(found), statistics.median(used)
        runs = " ".join(f"{t:.2f}" for t in found)
        print(f"{checkout}: median {median:.2f} s, {median / first:.3f} of the first (runs: {runs}); CPU {median_cpu:.2f} s, {median_cpu / first_cpu:.3f}")


def _content(args: argparse.Namespace, checkout: Path, root: Path, today: str) -> Path:
    """Return the content folder checkout builds: the one given, or the site its own generator writes."""
    if args.generate is None:
        return Path(args.content).resolve()
    generate = [sys.executable, "-m", "bench.generate", str(args.generate), "--root", str(root), "--today", today]
    subprocess.run(generate, cwd=checkout, check=True, stdout=subprocess.DEVNULL)
    return root / "content"


if __name__ == "__main__":
    main()
