"""Time the preview server's rebuild after one changed claim, in one warm process.

Runs `clinicsite.serve.rebuild` (the function `serve` calls on every change) once to
warm up, then, for each run, edits one claim and times the rebuild. Prints the times in
seconds as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from clinicsite.cache import BuildCache
from clinicsite.cli import _parse
from clinicsite.output import recover
from clinicsite.serve import rebuild

MARK = 'text: "'


def edited(text: str, run: int) -> str:
    """Return text with its first claim changed: 'Again, ' added on odd runs, removed on even ones."""
    if run % 2:
        return text.replace(MARK, MARK + "Again, ", 1)
    return text.replace(MARK + "Again, ", MARK, 1)


def time_rebuilds(content: Path, out: Path, changed: Path, runs: int) -> list[float]:
    """Return the wall time of each rebuild after a one-claim change to changed."""
    args = _parse(["build", "--content", str(content), "--out", str(out)])
    log = io.StringIO()
    cache = BuildCache()  # kept from build to build, as `serve` keeps it
    if rebuild(args, log, cache=cache):  # the problems the browser would show
        sys.exit(f"the first build failed:\n{log.getvalue()}")
    original = changed.read_text()
    times = []
    try:
        for run in range(1, runs + 1):
            changed.write_text(edited(changed.read_text(), run))
            started = time.perf_counter()
            problems = rebuild(args, log, cache=cache)
            times.append(time.perf_counter() - started)
            if problems:
                sys.exit(f"a rebuild failed:\n{log.getvalue()}")
    finally:
        changed.write_text(original)
        recover(out)  # the replaced site kept as the next rebuild's stage, as serve does on exit
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="time serve's rebuild after one changed claim")
    parser.add_argument("content", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("changed", type=Path, help="the YAML file whose first claim is edited")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(time_rebuilds(args.content, args.out, args.changed, args.runs)))


if __name__ == "__main__":
    main()
