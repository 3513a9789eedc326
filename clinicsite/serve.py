"""Preview server: build, serve the output folder on 127.0.0.1, rebuild and reload on change.

The livereload package is kept behind this module (nothing else imports it). It wraps our
small WSGI app, which serves files from the output folder only (a path that leaves it is
a 404, however it is encoded), and injects its reload script into HTML responses only;
files on disk never contain it. A failed rebuild keeps the last good site on disk, and
while the content is broken every page shows the list of problems instead; fixing the
content brings the pages back. The server keeps running through both.
"""

from __future__ import annotations

import argparse
import html
import mimetypes
import posixpath
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote

from clinicsite import pipeline
from clinicsite.cache import BuildCache
from clinicsite.diagnostics import FORMATTERS, Diagnostic, format_text
from clinicsite.output import OutputError, lock, recover
from clinicsite.render import CSP, DEV_CSP

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class PreviewApp:
    """A WSGI app serving out/ read-only, or the current problems while the content is broken."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.problems: tuple[Diagnostic, ...] = ()
        """The errors of the last build; empty when it succeeded."""

    def resolve(self, url_path: str) -> Path | None:
        """Return the file under out/ that url_path names, or None when it names nothing there."""
        path = unquote(url_path, errors="strict") if "%" in url_path else url_path
        if "\x00" in path or "\\" in path or ".." in path.split("/"):
            return None
        target = (self.out / posixpath.normpath("/" + path).lstrip("/")).resolve()
        if not target.is_relative_to(self.out):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return self._send(start_response, "405 Method Not Allowed", b"read-only preview\n", "text/plain")
        try:
            target = self.resolve(environ.get("PATH_INFO", "/"))
        except UnicodeDecodeError:
            target = None
        path = environ.get("PATH_INFO", "/")
        if target is not None and target.name == "index.html" and not path.endswith(("/", ".html")):
            start_response("301 Moved Permanently", [("Location", path + "/"), ("Cache-Control", "no-store")])
            return [b""]
        if self.problems and (target is None or target.suffix == ".html"):  # a missing page stays a 404
            status = "200 OK" if target is not None else "404 Not Found"
            return self._send(start_response, status, error_page(self.problems), "text/html")
        if target is None:
            missing = self.out / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"not found\n"
            return self._send(start_response, "404 Not Found", body, "text/html" if missing.is_file() else "text/plain")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        body = target.read_bytes()
        if kind == "text/html":  # let livereload's inline client run in the preview only
            body = body.replace(f'content="{CSP}"'.encode(), f'content="{DEV_CSP}"'.encode(), 1)
        return self._send(start_response, "200 OK", body, kind)

    @staticmethod
    def _send(start_response: StartResponse, status: str, body: bytes, kind: str) -> Iterable[bytes]:
        charset = "; charset=utf-8" if kind.startswith("text/") or kind.endswith(("xml", "javascript", "json")) else ""
        start_response(status, [("Content-Type", kind + charset), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
        return [body]


def error_page(problems: tuple[Diagnostic, ...]) -> bytes:
    """Return the page shown while the content has errors: every problem, where it is, what to do."""
    items = "\n".join(f"<li><code>{html.escape(format_text(d))}</code></li>" for d in problems)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Content errors: preview paused</title>
<style>body{{font:1rem/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}}
li{{margin:.5rem 0}}code{{white-space:pre-wrap;word-break:break-word}}</style>
</head>
<body>
<main>
<h1>The content has {len(problems)} error{"s" * (len(problems) != 1)}</h1>
<p>The site was not rebuilt. Fix these lines and save; this page reloads by itself.</p>
<ol>
{items}
</ol>
</main>
</body>
</html>
""".encode()


def rebuild(
    args: argparse.Namespace, stdout: TextIO, app: PreviewApp | None = None, cache: BuildCache | None = None, shown: set[Diagnostic] | None = None
) -> bool:
    """Build once, print the outcome with its duration, and return True on success.

    cache, kept from build to build, lets unchanged treatments and files be reused. shown:
    the notes (allowed exceptions) printed by earlier rebuilds, which are not printed again;
    errors and warnings always are.
    """
    started = time.perf_counter()
    try:
        outcome = pipeline.build(args.content, args.out, args.layouts, args.today, cache, drafts=True)
    except OutputError as exc:
        print(f"error: {exc}", file=stdout, flush=True)
        return False
    repeated = 0
    for diagnostic in outcome.diagnostics:
        if shown is not None and diagnostic.severity == "note":
            if diagnostic in shown:
                repeated += 1
                continue
            shown.add(diagnostic)
        print(FORMATTERS[args.format](diagnostic), file=stdout)
    if app is not None:
        app.problems = tuple(d for d in outcome.diagnostics if d.severity == "error")
    errors = f"{outcome.errors} error{'s' * (outcome.errors != 1)}"
    verdict = "rebuilt" if outcome.written else f"not rebuilt ({errors}; the browser lists them)"
    again = f" ({repeated} note{'s' * (repeated != 1)} as before, not repeated)" if repeated else ""
    print(f"{verdict} in {(time.perf_counter() - started) * 1000:.0f} ms{again}", file=stdout, flush=True)
    return outcome.written is not None


def serve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Serve the site until interrupted; return the exit status."""
    from livereload import Server

    app = PreviewApp(Path(args.out))
    cache = BuildCache()
    shown: set[Diagnostic] = set()
    rebuild(args, stdout, app, cache, shown)
    if not Path(args.out).is_dir():
        print("error: no site to serve yet; fix the errors above and run again", file=stderr)
        return 1
    server = Server(app)
    for folder in (args.content, args.layouts):
        server.watch(str(folder), lambda: rebuild(args, stdout, app, cache, shown), delay=0.2)
    url = f"http://{args.host}:{args.port}/"
    print(f"serving {args.out} on {url} (Ctrl-C to stop)", file=stdout, flush=True)
    try:
        server.serve(port=args.port, host=args.host, debug=False, open_url_delay=0.5 if args.open else None, restart_delay=0)
    finally:
        with lock(Path(args.out)):
            recover(Path(args.out))  # the replaced site kept as the next rebuild's stage
    return 0
