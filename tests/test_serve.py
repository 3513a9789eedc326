"""The preview server: loopback only, files under the output folder only, errors in the browser, survives bursts."""

from __future__ import annotations

import http.client
import io
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from clinicsite.cli import _parse
from clinicsite.diagnostics import Diagnostic, Location, error
from clinicsite.pipeline import DEFAULT_LAYOUTS
from clinicsite.render import hashed_name
from clinicsite.serve import PreviewApp, rebuild
from tests.conftest import FIXTURES, PROJECT, TODAY, run_cli

PAGE = "/treatments/sample-treatment/"
#: Requests that try to leave the output folder, raw and encoded.
ESCAPES = [
    "/../content/site.yaml",
    "/%2e%2e/content/site.yaml",
    "/%2E%2E%2Fcontent%2Fsite.yaml",
    "/..%2fcontent%2fsite.yaml",
    "/assets/../../content/site.yaml",
    "/%252e%252e/content/site.yaml",
    "/..\\content\\site.yaml",
    "/%00/../content/site.yaml",
    "/../../../../etc/passwd",
    "//etc/passwd",
]


#: The stylesheet's address: its name carries a hash of its bytes (render.hashed_name).
STYLESHEET = "/" + hashed_name("assets/site.css", (DEFAULT_LAYOUTS / "assets" / "site.css").read_bytes())


# --- the WSGI app on its own -------------------------------------------------------------


@pytest.fixture
def app(project: Path) -> PreviewApp:
    assert run_cli("build").code == 0
    return PreviewApp(project / "site")


def call(app: PreviewApp, path: str, method: str = "GET") -> tuple[str, dict[str, str], bytes]:
    found: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        found.update(status=status, headers=dict(headers))

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": method}, start_response))
    return found["status"], found["headers"], body


@pytest.mark.parametrize("path", ESCAPES)
def test_paths_leaving_the_output_folder_are_404(app: PreviewApp, path: str) -> None:
    status, _, body = call(app, path)
    assert status.startswith("404")
    assert b"review_interval_months" not in body and b"root:" not in body


def test_pages_assets_and_folders(app: PreviewApp) -> None:
    assert call(app, PAGE)[0] == "200 OK"
    assert call(app, STYLESHEET)[1]["Content-Type"] == "text/css; charset=utf-8"
    status, headers, _ = call(app, PAGE.rstrip("/"))
    assert status.startswith("301") and headers["Location"] == PAGE
    assert call(app, "/nowhere.html")[0].startswith("404")
    assert call(app, PAGE, method="POST")[0].startswith("405")


def test_broken_content_shows_every_problem_escaped(app: PreviewApp) -> None:
    app.problems = (error(Location("content/a.yaml", 3, 7), "cite-missing", "no source for <script>x</script>"),)
    status, _, body = call(app, PAGE)
    assert status == "200 OK"
    assert b"content/a.yaml:3:7: error: no source for &lt;script&gt;x&lt;/script&gt; [cite-missing]" in body
    assert b"<script>" not in body
    assert call(app, STYLESHEET)[0] == "200 OK"  # the last good stylesheet still loads
    for missing in ("/nowhere.html", "/../content/site.yaml"):  # shows the problems, but stays a 404
        status, _, body = call(app, missing)
        assert status == "404 Not Found" and b"[cite-missing]" in body


def test_rebuilds_print_a_note_once_and_errors_every_time(tmp_path: Path) -> None:
    shutil.copytree(PROJECT / "content", tmp_path / "content")
    args = _parse(["build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "site"), "--today", TODAY.isoformat()])
    shown: set[Diagnostic] = set()
    logs = []
    for _ in range(2):
        log = io.StringIO()
        assert rebuild(args, log, cache=None, shown=shown)
        logs.append(log.getvalue().splitlines())
    notes = [line for line in logs[0] if ": note: " in line]
    assert notes and not any(": note: " in line for line in logs[1])
    assert logs[1][-1].endswith(f"({len(notes)} notes as before, not repeated)")
    faqs = tmp_path / "content/treatments/microneedling/faqs.yaml"
    faqs.write_text(faqs.read_text().replace("cite:", "cites:", 1))
    for _ in range(2):  # an error is printed on every rebuild while it lasts
        log = io.StringIO()
        assert not rebuild(args, log, cache=None, shown=shown)
        assert any("[field-unknown]" in line for line in log.getvalue().splitlines())


# --- the real server, in a subprocess ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_for(predicate: Callable[[], bool], deadline: float) -> bool:
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Path, int, subprocess.Popen[bytes]]]:
    shutil.copytree(FIXTURES / "valid" / "content", tmp_path / "content")
    port = free_port()
    with (tmp_path / "serve.log").open("w") as log:
        command = [sys.executable, str(PROJECT / "build.py"), "serve", "--port", str(port), "--today", TODAY.isoformat()]
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        try:
            fetch(f"http://127.0.0.1:{port}/", time.monotonic() + 30)
            yield tmp_path, port, proc
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_serve_reloads_shows_errors_in_the_browser_and_recovers(server: tuple[Path, int, subprocess.Popen[bytes]]) -> None:
    root, port, proc = server
    deadline = time.monotonic() + 30
    page = fetch(f"http://127.0.0.1:{port}{PAGE}", deadline)
    assert "Sample treatment" in page and "livereload" in page
    assert "script-src 'self' 'unsafe-inline'" in page  # the preview's CSP lets livereload's inline script run
    on_disk = (root / "site/treatments/sample-treatment/index.html").read_text()
    assert "livereload" not in on_disk and "unsafe-inline" not in on_disk  # the files stay deployable
    benefits = root / "content/treatments/sample-treatment/benefits.yaml"
    good = benefits.read_text()
    benefits.write_text(good.replace("cite: [jones-2019, smith-2020]", "cite: []"))
    shown = "benefits.yaml:7:13: error: &#x27;cite&#x27; is empty"
    assert wait_for(lambda: shown in fetch(f"http://127.0.0.1:{port}{PAGE}", deadline), deadline)
    assert "livereload" in fetch(f"http://127.0.0.1:{port}{PAGE}", deadline)  # the error page reloads itself
    assert "A review agrees." in (root / "site/treatments/sample-treatment/index.html").read_text()  # last good site kept
    assert "not rebuilt" in (root / "serve.log").read_text() and " ms" in (root / "serve.log").read_text()
    benefits.write_text(good.replace("A review agrees.", "A review agrees again."))
    assert wait_for(lambda: "again" in fetch(f"http://127.0.0.1:{port}{PAGE}", deadline), deadline)
    assert proc.poll() is None


def test_serve_binds_loopback_only(server: tuple[Path, int, subprocess.Popen[bytes]]) -> None:
    _, port, _ = server
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    others = {a for a in others if not a.startswith("127.")}
    if not others:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    for address in others:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect((address, port))


def test_serve_survives_a_burst_of_changes_and_requests(server: tuple[Path, int, subprocess.Popen[bytes]]) -> None:
    """200 file changes (some breaking the content) while 2,000 requests arrive from 8 threads."""
    root, port, proc = server
    benefits = root / "content/treatments/sample-treatment/benefits.yaml"
    good = benefits.read_text()
    versions = [good.replace("A review agrees.", f"A review agrees ({n}).") for n in range(9)] + [good.replace("cite: [jones-2019, smith-2020]", "cite: []")]
    stop = threading.Event()

    def change() -> int:
        for n in range(200):
            benefits.write_text(versions[n % len(versions)])
            time.sleep(0.01)
        benefits.write_text(good)
        return 200

    paths = ["/", PAGE, STYLESHEET, "/sitemap.xml", "/missing.html", *ESCAPES]
    expected = {p: 404 for p in ["/missing.html", *ESCAPES]}

    def request(n: int) -> tuple[str, int]:
        path = random.Random(n).choice(paths)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path)
            return path, connection.getresponse().status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=9) as pool:
        changer = pool.submit(change)
        results = list(pool.map(request, range(2000)))
        stop.set()
        assert changer.result() == 200
    statuses = Counter(status for _, status in results)
    wrong = [(path, status) for path, status in results if status != expected.get(path, 200)]
    assert wrong == [], (statuses, wrong[:10])
    assert proc.poll() is None
    deadline = time.monotonic() + 30
    assert wait_for(lambda: "A review agrees." in fetch(f"http://127.0.0.1:{port}{PAGE}", deadline), deadline)
