"""Preview server: build, serve the output folder on 127.0.0.1, rebuild and reload on every save.

A small standard-library server, as MkDocs has used since it dropped the livereload
package: livereload dropped a browser reload that came within about three seconds of the
previous one (so a second save never reached the open page), rebuilt on its only thread
(so requests waited behind a rebuild), answered any origin and any Host, and failed HEAD.
Here the rebuilds run on their own thread (clinicsite.watch) while requests are answered
from the last good site on others; every finished rebuild bumps a build number that
every open page waits on (clinicsite.preview), so each save reaches each tab.
Connections are bounded below the process's file-descriptor limit: beyond it a
connection is closed at once, and nothing is logged per request.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import resource
import signal
import socket
import socketserver
import sys
import threading
import time
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

from clinicsite import pipeline
from clinicsite.cache import BuildCache
from clinicsite.diagnostics import FORMATTERS, Diagnostic, format_text
from clinicsite.loader import display_path
from clinicsite.output import OutputError, lock, recover
from clinicsite.preview import Preview, respond
from clinicsite.watch import Watcher

#: Errors of accept() that mean "out of descriptors or memory": wait a moment instead of spinning.
_EXHAUSTED = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class Handler(BaseHTTPRequestHandler):
    """Moves one request to preview.respond and its answer back; logs nothing."""

    server: PreviewServer
    timeout = 5  # an idle or slow connection is closed after this many seconds, freeing its slot
    default_request_version = "HTTP/1.0"  # so a garbled request line still gets a status line
    server_version = "clinicsite-preview"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    def _answer(self) -> None:
        fields: dict[str, str] = {}
        for name, value in self.headers.items():  # a field sent twice (two Hosts) matches nothing
            fields[name.lower()] = "\0" if name.lower() in fields else value
        response = respond(self.server.preview, self.command, self.path, fields)
        self.send_response(response.status)
        charset = "; charset=utf-8" if response.kind.startswith("text/") else ""
        for name, value in (("Content-Type", response.kind + charset), *response.headers):
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: the terminal is for rebuilds, and a flood of requests must not flood it."""


class _Slot:
    """One connection's place among the server's slots, given back exactly once whoever gives it back."""

    def __init__(self, slots: threading.BoundedSemaphore) -> None:
        self._slots, self._lock, self._held = slots, threading.Lock(), True

    def release(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._slots.release()


class PreviewServer(ThreadingHTTPServer):
    """A thread per connection, at most `limit` at once; the rest are closed as they arrive."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog: with 5, a burst of connections waits out SYN retries

    def __init__(self, address: tuple[Any, ...], family: socket.AddressFamily, limit: int, stderr: TextIO) -> None:
        self.address_family = family
        self.slots = threading.BoundedSemaphore(limit)
        self.stderr = stderr
        self.preview = Preview(Path("."), frozenset())
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's would look the host's name up in the DNS
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return super().get_request()
        except OSError as exc:
            if exc.errno in _EXHAUSTED:
                time.sleep(0.05)  # the listening socket stays readable: without a pause this would spin
            raise

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        slot = _Slot(self.slots)
        thread = threading.Thread(target=self._answer, args=(request, client_address, slot), daemon=True)
        try:
            thread.start()
        except BaseException:  # Ctrl-C or SIGTERM can land here after the thread started: release once, and go on raising
            slot.release()
            raise

    def _answer(self, request: Any, client_address: Any, slot: _Slot) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            slot.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Say in one line why a request could not be answered; a client that left is not news."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            print(f"preview: could not answer a request: {type(exc).__name__}: {exc}", file=self.stderr, flush=True)


def connection_limit() -> int:
    """Return how many connections to serve at once: well below the descriptor limit (256 on macOS by default)."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return max(8, min(64, (soft - 64) // 2)) if soft != resource.RLIM_INFINITY else 64


def allowed_hosts(host: str, address: str, port: int) -> frozenset[str]:
    """Return the Host field values a preview bound to address (named host) answers to."""
    ip = ipaddress.ip_address(address.split("%")[0])
    names = {host}
    if ip.is_loopback or ip.is_unspecified:
        names |= {"localhost", "127.0.0.1", "::1"}
    if ip.is_unspecified:  # every address of this machine
        names |= {socket.gethostname(), *(str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None))}
    shown = {f"[{n}]" if ":" in n else n for n in names}
    return frozenset(f"{n}:{port}".lower() for n in shown) | (frozenset(n.lower() for n in shown) if port == 80 else frozenset())


def open_server(host: str, port: int, out: Path, stderr: TextIO) -> PreviewServer:
    """Return a server listening on host:port for out; raise OSError (port in use, unknown host) before anything is built."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    server = PreviewServer(address, family, connection_limit(), stderr)
    server.preview = Preview(out, allowed_hosts(host, str(address[0]), server.server_port))
    return server


def rebuild(args: argparse.Namespace, stdout: TextIO, cache: BuildCache | None = None, shown: set[Diagnostic] | None = None) -> tuple[str, ...]:
    """Build once, print the outcome with its duration, and return the problems the browser shows (none on success).

    cache, kept from build to build, lets unchanged treatments and files be reused. shown:
    the notes (allowed exceptions) printed by earlier rebuilds, which are not printed again;
    errors and warnings always are. Never raises: a bug is one line here and in the browser.
    """
    started = time.perf_counter()
    if not Path(args.content).is_dir():  # moved or deleted while serving
        problem = f"{display_path(Path(args.content))}: error: the content folder is gone; put it back and save"
        print(problem, file=stdout, flush=True)
        return (problem,)
    try:
        outcome = pipeline.build(args.content, args.out, args.layouts, args.today, cache, drafts=True)
    except OutputError as exc:
        problem = f"{display_path(Path(args.out))}: error: {exc}"
        print(problem, file=stdout, flush=True)
        return (problem,)
    except Exception as exc:  # a bug in clinicsite: the preview keeps the last good site and says so
        problem = f"internal error: {type(exc).__name__}: {exc} (this is a bug in clinicsite; please report it)"
        print(problem, file=stdout, flush=True)
        return (problem,)
    repeated = _print_diagnostics(outcome.diagnostics, args.format, stdout, shown)
    errors = f"{outcome.errors} error{'s' * (outcome.errors != 1)}"
    verdict = "rebuilt" if outcome.written else f"not rebuilt ({errors}; the browser lists them)"
    again = f" ({repeated} note{'s' * (repeated != 1)} as before, not repeated)" if repeated else ""
    print(f"{verdict} in {(time.perf_counter() - started) * 1000:.0f} ms{again}", file=stdout, flush=True)
    return tuple(format_text(d) for d in outcome.diagnostics if d.severity == "error")


def _rebuild_or_say_why(args: argparse.Namespace, stdout: TextIO, cache: BuildCache, shown: set[Diagnostic]) -> tuple[str, ...]:
    """Return rebuild's problems; whatever else goes wrong (the working folder deleted) is one line, and the watcher goes on."""
    try:
        return rebuild(args, stdout, cache, shown)
    except Exception as exc:
        problem = f"error: could not rebuild: {type(exc).__name__}: {exc}"
        print(problem, file=stdout, flush=True)
        return (problem,)


def _print_diagnostics(diagnostics: tuple[Diagnostic, ...], fmt: str, stdout: TextIO, shown: set[Diagnostic] | None) -> int:
    """Print each diagnostic but the notes printed before; return how many notes were left out."""
    repeated = 0
    for diagnostic in diagnostics:
        if shown is not None and diagnostic.severity == "note":
            if diagnostic in shown:
                repeated += 1
                continue
            shown.add(diagnostic)
        print(FORMATTERS[fmt](diagnostic), file=stdout)
    return repeated


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def serve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Serve the site until interrupted; return the exit status (2 when it cannot listen)."""
    out = Path(args.out)
    try:
        server = open_server(args.host, args.port, out, stderr)
    except OSError as exc:  # socket.gaierror (an unknown host) is one too
        print(f"error: cannot listen on {args.host} port {args.port}: {exc.strerror or exc}; choose another --host or --port", file=stderr)
        return 2
    with server:
        cache, shown = BuildCache(), set[Diagnostic]()
        # made (and its first look at the files taken) before the first build: a save during it is a change
        watcher = Watcher((args.content, args.layouts), lambda: server.preview.publish(_rebuild_or_say_why(args, stdout, cache, shown)))
        server.preview.publish(rebuild(args, stdout, cache, shown))
        if not out.is_dir():
            print("error: no site to serve yet; fix the errors above and run again", file=stderr)
            return 1
        thread = watcher.start()
        url = f"http://{args.host if ':' not in args.host else f'[{args.host}]'}:{server.server_port}/"
        print(f"serving {display_path(out)} on {url} (Ctrl-C to stop)", file=stdout, flush=True)
        if args.open:
            threading.Timer(0.5, webbrowser.open, [url]).start()
        if threading.current_thread() is threading.main_thread():  # `kill` stops it as cleanly as Ctrl-C
            signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            print("stopped", file=stdout, flush=True)
        finally:
            watcher.stop.set()
            thread.join(timeout=60)  # let a rebuild under way finish its swap
            with lock(out):
                recover(out)  # the replaced site kept as the next rebuild's stage
    return 0
