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

import pytest

from clinicsite import pipeline
from clinicsite.cli import _parse
from clinicsite.diagnostics import Diagnostic, Location, error, format_text
from clinicsite.pipeline import DEFAULT_LAYOUTS
from clinicsite.preview import Preview, respond
from clinicsite.render import CSP, hashed_name
from clinicsite.serve import rebuild
from tests.conftest import FIXTURES, PROJECT, TODAY, run_cli
from tests.helpers import rules_in

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

# --- the answers on their own ---------------------------------------------------------------

HOST = "127.0.0.1:8000"


@pytest.fixture
def app(project: Path) -> Preview:
    assert run_cli("build").code == 0
    return Preview(project / "site", frozenset({HOST, "localhost:8000"}))


def call(app: Preview, path: str, method: str = "GET", **fields: str) -> tuple[int, dict[str, str], bytes]:
    response = respond(app, method, path, {"host": HOST} | {k.replace("_", "-"): v for k, v in fields.items()})
    return response.status, dict(response.headers), response.body


@pytest.mark.parametrize("path", ESCAPES)
def test_paths_leaving_the_output_folder_are_404(app: Preview, path: str) -> None:
    status, _, body = call(app, path)
    assert status == 404
    assert b"review_interval_months" not in body and b"root:" not in body


def test_pages_assets_and_folders(app: Preview) -> None:
    assert call(app, PAGE)[0] == 200
    assert respond(app, "GET", STYLESHEET, {"host": HOST}).kind == "text/css"
    status, headers, _ = call(app, PAGE.rstrip("/"))
    assert status == 301 and headers["Location"] == PAGE
    assert call(app, "/nowhere.html")[0] == 404
    assert call(app, PAGE, method="POST")[0] == 405


@pytest.mark.parametrize("path", ["//treatments/sample-treatment", "///treatments/sample-treatment", "/.//treatments//sample-treatment"])
def test_redirects_stay_on_the_preview_issue_19(app: Preview, path: str) -> None:
    """GET //treatments/x once redirected to //treatments/x/, which a browser reads as the host "treatments"."""
    status, headers, _ = call(app, path)
    assert status == 301 and headers["Location"] == PAGE


@pytest.mark.parametrize("path", ["/" + "a" * 300, "/" + "a" * 300 + "/index.html", "/%ff%fe", "/a%00b", "http://evil.example/", "*", "/" + "b/" * 3000])
def test_long_and_odd_paths_are_404_issue_19(app: Preview, path: str) -> None:
    assert call(app, path)[0] == 404


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1:8001", "127.0.0.1", "", "\0"])
def test_requests_for_another_host_are_refused_issue_19(app: Preview, host: str) -> None:
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 still sends Host: evil.example."""
    response = respond(app, "GET", PAGE, {"host": host})
    assert response.status == 421 and b"Sample treatment" not in response.body


def test_pages_load_the_reload_script_and_keep_the_strict_csp(app: Preview, project: Path) -> None:
    _, _, body = call(app, PAGE)
    assert f'<script src="/.preview/reload.js?epoch={app.epoch}"></script>'.encode() in body
    assert f'content="{CSP}"'.encode() in body  # the script is same-origin: nothing needs relaxing
    assert b"reload.js" not in (project / "site/treatments/sample-treatment/index.html").read_bytes()  # the files stay deployable
    assert call(app, "/.preview/reload.js")[0] == 200


@pytest.mark.parametrize(
    "fields",
    [{"origin": "https://evil.example"}, {"origin": "http://127.0.0.1:8001"}, {"sec_fetch_site": "cross-site"}, {"sec_fetch_site": "same-site"}],
)
def test_only_the_previews_own_pages_may_wait_for_builds_issue_19(app: Preview, fields: dict[str, str]) -> None:
    status, _, body = call(app, f"/.preview/wait?epoch={app.epoch}", **fields)
    assert status == 403 and str(app.epoch).encode() not in body


@pytest.mark.parametrize("query", ["", "epoch=", "epoch=abc", "epoch=-1", "epoch=1e9", "epoch=" + "9" * 400, "epoch=%00"])
def test_a_malformed_wait_is_400(app: Preview, query: str) -> None:
    assert call(app, f"/.preview/wait?{query}", origin="http://127.0.0.1:8000", sec_fetch_site="same-origin")[0] == 400


def test_a_wait_answers_at_once_when_a_build_finished_since_the_page_was_served(app: Preview) -> None:
    served = app.epoch
    app.publish(())
    status, _, body = call(app, f"/.preview/wait?epoch={served}", origin="http://127.0.0.1:8000", sec_fetch_site="same-origin")
    assert status == 200 and body == str(served + 1).encode()


def test_broken_content_shows_every_problem_escaped(app: Preview) -> None:
    app.publish((format_text(error(Location("content/a.yaml", 3, 7), "cite-missing", "no source for <script>x</script>")),))
    status, _, body = call(app, PAGE)
    assert status == 200
    assert b"content/a.yaml:3:7: error: no source for &lt;script&gt;x&lt;/script&gt; [cite-missing]" in body
    assert b"<script>x" not in body
    assert call(app, STYLESHEET)[0] == 200  # the last good stylesheet still loads
    for missing in ("/nowhere.html", "/../content/site.yaml"):  # shows the problems, but stays a 404
        status, _, body = call(app, missing)
        assert status == 404 and b"[cite-missing]" in body


def test_rebuilds_print_a_note_once_and_errors_every_time(tmp_path: Path) -> None:
    shutil.copytree(PROJECT / "content", tmp_path / "content")
    args = _parse(["build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "site"), "--today", TODAY.isoformat()])
    shown: set[Diagnostic] = set()
    logs = []
    for _ in range(2):
        log = io.StringIO()
        assert rebuild(args, log, cache=None, shown=shown) == ()
        logs.append(log.getvalue().splitlines())
    notes = [line for line in logs[0] if ": note: " in line]
    assert notes and not any(": note: " in line for line in logs[1])
    assert logs[1][-1].endswith(f"({len(notes)} notes as before, not repeated)")
    faqs = tmp_path / "content/treatments/microneedling/faqs.yaml"
    faqs.write_text(faqs.read_text().replace("cite:", "cites:", 1))
    for _ in range(2):  # an error is printed on every rebuild while it lasts
        log = io.StringIO()
        problems = rebuild(args, log, cache=None, shown=shown)
        assert any(line.endswith("[field-unknown]") for line in problems)  # and shown in the browser
        assert "field-unknown" in rules_in(log.getvalue())


def test_a_rebuild_that_fails_unexpectedly_is_one_line_here_and_in_the_browser(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = _parse(["build", "--today", TODAY.isoformat()])

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline, "build", broken)
    log = io.StringIO()
    problems = rebuild(args, log)
    assert problems == ("internal error: RuntimeError: a bug (this is a bug in clinicsite; please report it)",)
    assert log.getvalue().splitlines() == list(problems)


def test_a_content_folder_removed_while_serving_is_a_located_problem(project: Path) -> None:
    args = _parse(["build", "--today", TODAY.isoformat()])
    shutil.rmtree(project / "content")
    assert rebuild(args, io.StringIO()) == ("content: error: the content folder is gone; put it back and save",)


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
    assert "Sample treatment" in page and "/.preview/reload.js" in page
    assert "/.preview/reload.js" not in (root / "site/treatments/sample-treatment/index.html").read_text()  # the files stay deployable
    benefits = root / "content/treatments/sample-treatment/benefits.yaml"
    good = benefits.read_text()
    benefits.write_text(good.replace("cite: [jones-2019, smith-2020]", "cite: []"))
    shown = "benefits.yaml:7:13: error: &#x27;cite&#x27; is empty"
    assert wait_for(lambda: shown in fetch(f"http://127.0.0.1:{port}{PAGE}", deadline), deadline)
    assert "/.preview/reload.js" in fetch(f"http://127.0.0.1:{port}{PAGE}", deadline)  # the error page reloads itself
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
