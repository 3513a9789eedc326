"""The preview in a real browser tab (issue 19): every save reaches the open page, and other origins learn nothing.

Playwright drives Debian's chromium, as tests/test_browser.py does; without it these are
skipped with the reason, and when CI is set a missing browser is an error. What is
checked is what an editor sees: the text of the open tab, never an HTTP poll.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT, TODAY
from tests.helpers import rules_in
from tests.serving import PAGE, Served, serving, slow_layouts

try:
    from playwright.sync_api import Browser, Error, sync_playwright
    from playwright.sync_api import Page as Tab
except ImportError:
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MISSING = [m for m, gone in (("playwright", sync_playwright is None), ("chromium", not Path(CHROMIUM).exists())) if gone]
if MISSING and os.environ.get("CI"):
    pytest.fail(f"CI must run the preview's browser tests, but these are missing: {', '.join(MISSING)}", pytrace=False)
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}; `make test` installs them")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def shown(tab: Tab) -> str:
    """Return the open tab's text; empty while it is between two pages."""
    try:
        return str(tab.evaluate("document.body ? document.body.innerText : ''"))
    except Error:  # the page navigated away while being read
        return ""


def wait_for_text(tab: Tab, text: str, seconds: float) -> float | None:
    """Return how many seconds the tab took to show text, or None when it did not within seconds."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if text in shown(tab):
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def save(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def open_page(tab: Tab, served: Served, text: str) -> None:
    tab.goto(served.url + PAGE)
    assert wait_for_text(tab, text, 10) is not None, shown(tab)


def test_two_saves_half_a_second_apart_both_reach_the_open_tab(tab: Tab, tmp_path: Path) -> None:
    """livereload dropped a reload within ~3 s of the last: the second save never reached the tab."""
    with serving(tmp_path) as served:
        open_page(tab, served, "A review agrees.")
        benefits = served.root / "content/treatments/sample-treatment/benefits.yaml"
        save(benefits, "A review agrees.", "A review agrees (first save).")
        time.sleep(0.5)
        save(benefits, "(first save)", "(second save)")
        assert wait_for_text(tab, "second save", 2) is not None, served.log
        time.sleep(0.5)  # and it stays: no reload brings the first text back
        assert "second save" in shown(tab) and "first save" not in shown(tab)


def test_saves_close_together_end_on_the_last_one(tab: Tab, tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        open_page(tab, served, "A review agrees.")
        benefits = served.root / "content/treatments/sample-treatment/benefits.yaml"
        takes = ["take alpha", "take bravo", "take charlie", "take delta", "take echo"]  # no digits: numbers need locators
        for before, after in zip(["A review agrees", *takes], takes, strict=False):
            save(benefits, before, after)
            time.sleep(0.3)
        assert wait_for_text(tab, "take echo", 2) is not None, served.log


def test_a_save_during_a_long_rebuild_ends_the_tab_on_the_last_save(tab: Tab, tmp_path: Path) -> None:
    """Saving "Clinic A" then "Clinic B" during the rebuild once left every page at "Clinic A" for good."""
    with serving(tmp_path, "--layouts", str(slow_layouts(tmp_path, 6_000_000))) as served:
        open_page(tab, served, "Sample treatment")
        site = served.root / "content/site.yaml"
        save(site, "name: ", "name: Clinic A ")
        time.sleep(0.8)  # the rebuild (seconds: every page spins the slow layout) has read "Clinic A"
        save(site, "Clinic A", "Clinic B")
        assert served.log.count("rebuilt in") == 1, served.log  # the first rebuild after the start is still running
        assert wait_for_text(tab, "Clinic B", 60) is not None, served.log
        time.sleep(1.5)  # no later rebuild takes it back
        assert "Clinic B" in shown(tab) and "Clinic A" not in shown(tab)
        assert "Clinic B" in (served.root / "site/treatments/sample-treatment/index.html").read_text()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_page_of_another_origin_cannot_open_a_websocket_or_wait_for_builds(tab: Tab, tmp_path: Path) -> None:
    """livereload's websocket accepted Origin: https://evil.example and sent it the path of every edited file."""
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil/index.html").write_text("<!DOCTYPE html><title>elsewhere</title><p>elsewhere</p>")
    evil = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path / "evil")))
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        with serving(tmp_path) as served:
            tab.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
            outcome = tab.evaluate(
                """async (url) => {
                  const socket = await new Promise((done) => {
                    const ws = new WebSocket(url.replace("http", "ws") + "/livereload");
                    ws.onopen = () => done("open"); ws.onerror = () => done("refused");
                  });
                  const wait = await fetch(url + "/.preview/wait?epoch=1").then((r) => r.text(), () => "refused");
                  return {socket, wait};
                }""",
                served.url,
            )
            assert outcome == {"socket": "refused", "wait": "refused"}
    finally:
        evil.shutdown()
        evil.server_close()


def test_an_edit_shows_as_a_draft_in_the_open_tab_until_a_reviewer_signs(tab: Tab, tmp_path: Path) -> None:
    """Issue 17: the editor previews a changed page as a draft; the reviewer's sign-off brings the review date back."""
    with serving(tmp_path) as served:
        open_page(tab, served, "Page last reviewed: 31 January 2026")
        benefits = served.root / "content/treatments/sample-treatment/benefits.yaml"
        save(benefits, "A review agrees.", "A review mostly agrees.")
        assert wait_for_text(tab, "Draft: changes not yet checked by a clinician.", 5) is not None, served.log
        assert "A review mostly agrees." in shown(tab) and "Changed: What it can help with." in shown(tab)
        assert "review-stale" in rules_in(served.log) and "Traceback" not in served.log
        signed = subprocess.run(
            [sys.executable, str(PROJECT / "build.py"), "review", "sample-treatment", "--by", "dr-test", "--today", TODAY.isoformat()],
            cwd=served.root,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert signed.returncode == 0, signed.stderr
        assert wait_for_text(tab, f"Page last reviewed: {TODAY.day} December 2026", 5) is not None, served.log
        assert "Draft:" not in shown(tab)
