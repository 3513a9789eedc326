"""The preview server: binds loopback, injects live reload into responses only, survives bad edits."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import FIXTURES, PROJECT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_for(predicate, deadline: float) -> bool:  # type: ignore[no-untyped-def]
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_serve_reloads_keeps_last_good_site_and_recovers(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "valid" / "content", tmp_path / "content")
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "serve", "--port", str(port)], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        page = fetch(f"http://127.0.0.1:{port}/treatments/sample-treatment/", deadline)
        assert "Sample treatment" in page and "livereload" in page
        assert "script-src 'self' 'unsafe-inline'" in page  # the preview's CSP lets livereload's inline script run
        assert "livereload" not in (tmp_path / "site/treatments/sample-treatment/index.html").read_text()
        benefits = tmp_path / "content/treatments/sample-treatment/benefits.yaml"
        good = benefits.read_text()
        benefits.write_text(good.replace("cite: [jones-2019, smith-2020]", "cite: []"))
        assert wait_for(lambda: "[cite-missing]" in (tmp_path / "serve.log").read_text(), deadline)
        assert "A review agrees." in fetch(f"http://127.0.0.1:{port}/treatments/sample-treatment/", deadline)
        benefits.write_text(good.replace("A review agrees.", "A review agrees again."))
        assert wait_for(lambda: "again" in fetch(f"http://127.0.0.1:{port}/treatments/sample-treatment/", deadline), deadline)
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
