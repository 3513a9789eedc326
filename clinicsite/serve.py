"""Preview server: build, serve the output folder on 127.0.0.1, rebuild and reload on change.

The livereload package is kept behind this module (nothing else imports it), so it can be
swapped for a standard-library server later. It injects its reload script into HTML
responses only; files on disk never contain it. Because that script is inline, the preview
is built in dev mode, whose Content-Security-Policy allows inline script: deploy what
`build` writes, not what `serve` leaves behind. A failed rebuild keeps the last good site
and prints the problems; the server keeps running.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TextIO

from clinicsite import pipeline
from clinicsite.diagnostics import FORMATTERS
from clinicsite.output import OutputError


def rebuild(args: argparse.Namespace, stdout: TextIO) -> bool:
    """Build once, print the outcome with its duration, and return True on success."""
    started = time.perf_counter()
    try:
        outcome = pipeline.build(args.content, args.out, args.layouts, dev=True)
    except OutputError as exc:
        print(f"error: {exc}", file=stdout, flush=True)
        return False
    for diagnostic in outcome.diagnostics:
        print(FORMATTERS[args.format](diagnostic), file=stdout)
    verdict = "rebuilt" if outcome.written else f"not rebuilt ({outcome.errors} errors; serving the last good site)"
    print(f"{verdict} in {(time.perf_counter() - started) * 1000:.0f} ms", file=stdout, flush=True)
    return outcome.written is not None


def serve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Serve the site until interrupted; return the exit status."""
    from livereload import Server

    rebuild(args, stdout)
    if not Path(args.out).is_dir():
        print("error: no site to serve yet; fix the errors above and run again", file=stderr)
        return 1
    server = Server()
    for folder in (args.content, args.layouts):
        server.watch(str(folder), lambda: rebuild(args, stdout), delay=0.2)
    print(f"serving {args.out} on http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=stdout, flush=True)
    print(f"note: {args.out} is a preview (its pages allow inline script for live reload); run `build` before deploying", file=stdout, flush=True)
    server.serve(port=args.port, host=args.host, root=str(args.out), open_url_delay=None, restart_delay=0)
    return 0
