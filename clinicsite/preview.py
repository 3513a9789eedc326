"""What the preview server answers: files from the output folder, the problems page, the reload signal.

`respond` makes every answer from the request's method, target and header fields, so
each rule is tested without a socket, and serve.py only moves bytes. The rules:

- Only requests addressed to the preview itself are answered (the Host field names the
  bound address, or localhost/127.0.0.1 for a loopback bind), so a web page that rebinds
  its own domain name to 127.0.0.1 cannot read the preview.
- Files come from the output folder only; a path that leaves it, however encoded, or
  that the system cannot even look up (too long, NUL), is a 404.
- Every HTML answer loads /.preview/reload.js (same origin, so the pages' strict CSP
  needs no relaxing), which long-polls /.preview/wait with the build number its page was
  served at and reloads as soon as a later build has finished: no reload is ever dropped,
  however close two rebuilds are. The wait answers only the preview's own pages (Origin
  and Sec-Fetch-Site), and says nothing but a number.
"""

from __future__ import annotations

import html
import mimetypes
import posixpath
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote

RELOAD_JS = "/.preview/reload.js"
WAIT = "/.preview/wait"
#: Seconds a wait is held before it answers "no change" and the page asks again.
WAIT_SECONDS = 20.0
SCRIPT = """// Reload this page once the preview has finished a build later than the one it shows.
(() => {
  const shown = new URL(document.currentScript.src).searchParams.get("epoch");
  const wait = () => fetch("/.preview/wait?epoch=" + shown, { cache: "no-store" })
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
    .then((epoch) => (epoch === shown ? wait() : location.reload()))
    .catch(() => setTimeout(wait, 500));
  wait();
})();
"""


@dataclass(frozen=True)
class Response:
    """One answer: status, header fields (Content-Length is added when sent), body (not sent for HEAD)."""

    status: int
    kind: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class Preview:
    """What the server shows: the output folder, the last build's problems, and the number of builds finished."""

    def __init__(self, out: Path, hosts: frozenset[str]) -> None:
        self.out = out.resolve()
        self.hosts = frozenset(h.lower() for h in hosts)
        """The Host field values this preview answers to (see allowed_hosts in serve)."""
        self.problems: tuple[str, ...] = ()
        """The lines shown in the browser instead of pages; empty when the last build succeeded."""
        self.epoch = time.time_ns() // 1_000_000
        """Starts from the clock, so a page served by an earlier run of serve reloads too."""
        self._changed = threading.Condition()

    def publish(self, problems: tuple[str, ...]) -> None:
        """Show problems (none: the site as built), and tell every open page to reload."""
        with self._changed:
            self.problems = problems
            self.epoch += 1
            self._changed.notify_all()

    def wait(self, since: int, timeout: float) -> int:
        """Return the build number once it differs from since, or after timeout seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.epoch != since, timeout)
            return self.epoch

    def resolve(self, url_path: str) -> Path | None:
        """Return the file under out/ that url_path names, or None when it names nothing there."""
        try:
            path = unquote(url_path, errors="strict")
            if "\x00" in path or "\\" in path or ".." in path.split("/"):
                return None
            target = (self.out / posixpath.normpath("/" + path).lstrip("/")).resolve()
            if not target.is_relative_to(self.out):
                return None
            target = target / "index.html" if target.is_dir() else target
            return target if target.is_file() else None
        except (OSError, ValueError):  # a name too long for the system, or not UTF-8: names nothing
            return None


def _text(status: int, message: str) -> Response:
    return Response(status, "text/plain", message.encode() + b"\n")


def respond(preview: Preview, method: str, target: str, fields: Mapping[str, str]) -> Response:
    """Return the answer to one request; fields are its header fields, names in lower case."""
    if fields.get("host", "").lower() not in preview.hosts:
        return _text(421, f"this preview answers only at {' or '.join(sorted(preview.hosts))}")
    if method not in ("GET", "HEAD"):
        return Response(405, "text/plain", b"read-only preview\n", (("Allow", "GET, HEAD"),))
    path, _, query = target.partition("#")[0].partition("?")
    if not path.startswith("/"):
        return _text(404, "not found")
    if path == WAIT:
        return _wait(preview, query, fields)
    if path == RELOAD_JS:
        return Response(200, "text/javascript", SCRIPT.encode())
    return _file(preview, path)


def _wait(preview: Preview, query: str, fields: Mapping[str, str]) -> Response:
    own = {f"http://{host}" for host in preview.hosts}
    if fields.get("origin", next(iter(own))) not in own or fields.get("sec-fetch-site", "same-origin") != "same-origin":
        return _text(403, "only the preview's own pages may wait for its builds")
    epoch = parse_qs(query).get("epoch", [""])[0]
    if not epoch.isdigit() or len(epoch) > 20:
        return _text(400, "epoch must be the build number a page was served at")
    return Response(200, "text/plain", str(preview.wait(int(epoch), WAIT_SECONDS)).encode())


def _file(preview: Preview, path: str) -> Response:
    epoch, problems = preview.epoch, preview.problems  # read before the file: a later build always brings a reload
    target = preview.resolve(path)
    if target is not None and target.name == "index.html" and not path.endswith(("/", ".html")):
        folder = target.parent.relative_to(preview.out).as_posix()  # never "//host/…": that would leave the preview
        return Response(301, "text/plain", b"moved\n", (("Location", "/" if folder == "." else f"/{folder}/"),))
    if problems and (target is None or target.suffix == ".html"):  # a missing page stays a 404
        return Response(200 if target is not None else 404, "text/html", _with_script(error_page(problems), epoch))
    body = _read(preview, path, target)
    if body is None:
        missing = _read(preview, "/404.html", preview.resolve("/404.html"))
        return Response(404, "text/html", _with_script(missing, epoch)) if missing is not None else _text(404, "not found")
    assert target is not None
    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return Response(200, kind, _with_script(body, epoch) if kind == "text/html" else body)


def _read(preview: Preview, path: str, target: Path | None) -> bytes | None:
    """Return target's bytes; a rebuild swapping the folder in between is met by looking the path up again."""
    for _ in range(3):
        if target is None:
            return None
        try:
            with open(target, "rb") as file:
                return file.read()
        except OSError:
            target = preview.resolve(path)
    return None


def _with_script(page: bytes, epoch: int) -> bytes:
    """Return page loading the reload script; on disk no page ever does."""
    tag = f'<script src="{RELOAD_JS}?epoch={epoch}"></script>\n'.encode()
    at = page.rfind(b"</body>")
    return page[:at] + tag + page[at:] if at >= 0 else page + tag


def error_page(problems: tuple[str, ...]) -> bytes:
    """Return the page shown while the content has errors: every problem, where it is, what to do."""
    items = "\n".join(f"<li><code>{html.escape(line)}</code></li>" for line in problems)
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
