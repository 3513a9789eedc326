"""The built pages in a real browser and in the Nu Html Checker (issue 4).

Needs Debian's chromium (Playwright's own browser download is not used), java, and
node_modules/ with vnu-jar and axe-core: `make test` installs all of them. Without them
these tests are skipped with the reason; when CI is set a missing tool is an error, so CI
can never pass by skipping. The browser starts once for this module and the checker runs
once over every page; the real content/ is built once per run (conftest.real_site).

Pages are served over http from 127.0.0.1, as deployed, never file://. Screenshots of each
treatment page at both widths, and as printed, are written to .artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.checks import AXE_JS, AXE_TAGS, VNU_JAR, axe_summary, run_vnu, vnu_errors
from tests.conftest import PROJECT, BuiltSite

try:
    from playwright.sync_api import Browser, BrowserContext, Route, sync_playwright
    from playwright.sync_api import Page as Tab
except ImportError:  # reported below as a missing tool
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = PROJECT / ".artifacts" / "screenshots"
WIDTHS = (1280, 375)
#: Collects Content-Security-Policy violations; init scripts are added by the browser's
#: DevTools protocol, so the page's own CSP does not block this one.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
"""


def missing_tools() -> list[str]:
    missing = []
    if sync_playwright is None:
        missing.append("playwright (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        missing.append("chromium (apt-get install chromium)")
    if shutil.which("java") is None:
        missing.append("java (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file() or not AXE_JS.is_file():
        missing.append("node_modules with vnu-jar and axe-core (npm ci)")
    return missing


MISSING = missing_tools()
if MISSING and os.environ.get("CI"):
    pytest.fail(f"CI must run the browser tests, but these are missing: {'; '.join(MISSING)}. `make test` installs them.", pytrace=False)
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"needs {'; '.join(MISSING)}; `make test` installs them")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def origin(real_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the built site over http on 127.0.0.1 (a free port) at base_url's path; yield its address."""
    base_path = urlsplit(real_site.info.base_url).path
    docroot = tmp_path_factory.mktemp("docroot")
    shutil.copytree(real_site.root, docroot / base_path.strip("/"), dirs_exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(docroot)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def page_paths(site: BuiltSite) -> list[str]:
    """Return the address of every page, relative to the site: the index, each treatment, the 404 page."""
    return ["", *(f"treatments/{slug}/" for slug in site.slugs), "404.html"]


@dataclass
class Log:
    """What a page did while loading."""

    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def clear(self) -> None:
        for found in (self.requests, self.foreign, self.failed, self.console):
            found.clear()


def open_tab(browser: Browser, width: int, origin: str, bypass_csp: bool = False) -> tuple[BrowserContext, Tab, Log]:
    """Open a tab that records every request, aborts (and records) any to another host, and logs console errors."""
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=bypass_csp)
    log = Log()
    server = urlsplit(origin)._replace(path="").geturl()

    def local_only(route: Route) -> None:
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:  # nothing leaves this machine, and the test hears of it
            log.foreign.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    context.add_init_script(CSP_LISTENER)
    tab = context.new_page()
    tab.on("request", lambda request: log.requests.append(request.url))
    tab.on("response", lambda response: log.failed.append(f"{response.status} {response.url}") if response.status >= 400 else None)
    tab.on("console", lambda message: log.console.append(f"{message.type}: {message.text}") if message.type in ("error", "warning") else None)
    tab.on("pageerror", lambda exc: log.console.append(f"page error: {exc}"))
    return context, tab, log


def load_problems(tab: Tab, log: Log, origin: str) -> list[str]:
    """Return what went wrong while the page loaded: other hosts, failed requests, console errors, CSP violations."""
    server = urlsplit(origin)._replace(path="").geturl() + "/"
    problems = [f"request to another host: {url}" for url in log.foreign]
    problems += [f"request not to the local server: {url}" for url in log.requests if not url.startswith((server, "data:"))]
    problems += [f"failed request: {failed}" for failed in log.failed]
    problems += [f"console {line}" for line in log.console]
    problems += [f"CSP violation: {v}" for v in tab.evaluate("window.__csp || []")]
    return problems


def axe_violations(tab: Tab) -> list[dict[str, Any]]:
    """Run axe-core on the tab's page with every WCAG 2.x A/AA rule and the best practices.

    The axe script is injected as an inline <script>, which the pages' CSP rightly forbids,
    so tabs that run axe are opened with bypass_csp=True; all other checks use strict tabs.
    """
    tab.add_script_tag(path=str(AXE_JS))
    result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    violations: list[dict[str, Any]] = result["violations"]
    return violations


# --- the Nu Html Checker ---------------------------------------------------------------------

BROKEN_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Broken</title></head>
<body>
<main id="x"><p id="x">Twice the same id.</p><img src="photo.png"></main>
</body>
</html>
"""


@pytest.fixture(scope="module")
def checked(real_site: BuiltSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path, list[dict[str, Any]]]:
    """Run the checker once: every built page and stylesheet, plus one broken page to show it can fail."""
    broken = tmp_path_factory.mktemp("broken") / "broken.html"
    broken.write_text(BROKEN_HTML)
    files = sorted(real_site.root.rglob("*.html")) + sorted(real_site.root.rglob("*.css"))
    return files, broken, run_vnu([*files, broken])


def test_nu_html_checker_finds_no_errors_on_any_page(checked: tuple[list[Path], Path, list[dict[str, Any]]]) -> None:
    """Errors only: the checker also warns that the stylesheet and JSON-LD break the CSP, which
    they do not (it gives file: pages no origin, and takes JSON-LD for script); the browser
    tests load the pages over http and see no violation."""
    files, broken, messages = checked
    assert any(f.suffix == ".html" for f in files) and any(f.suffix == ".css" for f in files)
    errors = [e for e in vnu_errors(messages) if not e.startswith(broken.name)]
    assert not errors, f"{len(errors)} errors in {len(files)} files:\n" + "\n".join(errors)


def test_nu_html_checker_reports_a_broken_page(checked: tuple[list[Path], Path, list[dict[str, Any]]]) -> None:
    _, broken, messages = checked
    errors = "\n".join(vnu_errors(messages, broken))
    assert "Duplicate ID “x”" in errors
    assert "An “img” element must have an “alt” attribute" in errors


# --- in the browser ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_load_only_from_this_site_without_errors_and_fit_the_screen(width: int, browser: Browser, origin: str, real_site: BuiltSite) -> None:
    """Every request goes to the local server; no console error or CSP violation; no sideways scrolling."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, tab, log = open_tab(browser, width, origin)
    problems: list[str] = []
    try:
        for path in page_paths(real_site):
            log.clear()
            tab.goto(origin + path, wait_until="load")
            found = load_problems(tab, log, origin)
            if not log.requests or not any(re.search(r"/assets/site\.[0-9a-f]{10}\.css$", url) for url in log.requests):
                found.append(f"the stylesheet was not requested: {log.requests}")
            overflow = tab.evaluate("document.documentElement.scrollWidth")
            if overflow > width:
                found.append(f"the page is {overflow}px wide at a {width}px window: it scrolls sideways")
            if path.startswith("treatments/"):
                tab.screenshot(path=str(SCREENSHOTS / f"{Path(path).name}-{width}.png"), full_page=True)  # before focus moves
                found += focus_problems(tab)
            problems += [f"/{path} at {width}px: {p}" for p in found]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def focus_problems(tab: Tab) -> list[str]:
    """Return a problem when a citation link, reached from the keyboard, shows no focus outline."""
    tab.keyboard.press("Tab")  # keyboard use, so focus is shown as for a keyboard user
    style = tab.locator('a[href*="#ref-"]').first.evaluate(
        "a => { a.focus(); const s = getComputedStyle(a); return [a.matches(':focus-visible'), s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    visible, outline, width = style
    return [] if visible and outline != "none" and width >= 2 else [f"a focused citation link shows no outline ({outline} {width}px)"]


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_accessibility_violations(width: int, browser: Browser, origin: str, real_site: BuiltSite) -> None:
    context, tab, _ = open_tab(browser, width, origin, bypass_csp=True)
    problems: list[str] = []
    try:
        for path in page_paths(real_site):
            tab.goto(origin + path, wait_until="load")
            problems += [f"/{path} at {width}px: {v}" for v in axe_summary(axe_violations(tab))]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


#: Every reference link, then the footer's booking link: the one whose address print writes out.
PRINTED_LINKS = ".references a, .site-footer a:last-child"


def test_treatment_pages_print_as_a_handout(browser: Browser, origin: str, real_site: BuiltSite) -> None:
    """Printed: no navigation, skip link or contents; references print their addresses once, the booking link its address."""
    context, tab, log = open_tab(browser, 800, origin)
    try:
        tab.emulate_media(media="print")
        for slug in real_site.slugs:
            tab.goto(f"{origin}treatments/{slug}/", wait_until="load")
            shown = tab.evaluate(
                "sels => sels.map(s => [s, getComputedStyle(document.querySelector(s)).display])",
                [".skip-link", ".site-header nav", ".toc", ".backlinks", "#references", ".review", ".site-footer"],
            )
            assert [s for s, display in shown if display == "none"] == [".skip-link", ".site-header nav", ".toc", ".backlinks"], shown
            # a reference shows its address, DOI and PMID as text: an address added after it printed each twice (issue 20)
            after = tab.evaluate("sel => [...document.querySelectorAll(sel)].map(a => [a.href, getComputedStyle(a, '::after').content])", PRINTED_LINKS)
            assert not [a for a in after[:-1] if a[1] not in ("none", "normal")] and real_site.info.contact.booking_url in after[-1][1], after
            tab.screenshot(path=str(SCREENSHOTS / f"{slug}-print.png"), full_page=True)
        assert not load_problems(tab, log, origin)
    finally:
        context.close()


# --- the browser checks can fail -----------------------------------------------------------------

BROKEN_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<link rel="stylesheet" href="https://cdn.example.net/early.css">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; img-src 'self'">
<title>Broken</title>
</head>
<body>
<main>
<p style="color: #bbb">Pale text.</p>
<img src="https://images.example.net/x.png">
<p>Too_wide_because_one_word_that_cannot_wrap_is_longer_than_a_phone_screen_is_wide_at_all.</p>
<script>document.body.append('ran')</script>
</main>
</body>
</html>
"""


def test_browser_checks_report_a_broken_page(browser: Browser, origin: str) -> None:
    url = origin + "__broken__.html"
    context, tab, log = open_tab(browser, 375, origin)
    try:
        tab.route(url, lambda route: route.fulfill(body=BROKEN_PAGE, content_type="text/html"))
        tab.goto(url, wait_until="load")
        problems = "\n".join(load_problems(tab, log, origin))
        assert "request to another host: https://cdn.example.net/early.css" in problems  # before the CSP: fetched, then aborted
        assert "CSP violation: img-src blocked https://images.example.net/x.png" in problems
        assert "CSP violation: script-src-elem blocked inline" in problems
        assert tab.evaluate("document.documentElement.scrollWidth") > 375
    finally:
        context.close()
    context, tab, _ = open_tab(browser, 375, origin, bypass_csp=True)
    try:
        tab.route(url, lambda route: route.fulfill(body=BROKEN_PAGE, content_type="text/html"))
        tab.goto(url, wait_until="load")
        rules = {v["id"] for v in axe_violations(tab)}
        assert {"html-has-lang", "image-alt", "color-contrast"} <= rules, rules
    finally:
        context.close()
