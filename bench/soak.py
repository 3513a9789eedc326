"""A long preview session, by hand (issue 19): many saves at random intervals while threads request pages.

    .venv/bin/python -m bench.soak --saves 200 --seconds 60

Runs `build.py serve` on a copy of content/, opens the edited page in chromium, and saves
(mostly one claim, sometimes the clinic's name in site.yaml, sometimes a break) at
intervals of 0.1-2 s averaging seconds/saves, while 4 threads request pages, assets and
missing paths. Then it checks what an editor would: the open tab shows the last save,
every file on disk equals a fresh build of the final content, no 5xx, no traceback.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from playwright.sync_api import Error, sync_playwright

from clinicsite import pipeline

PROJECT = Path(__file__).resolve().parent.parent
PAGE = "/treatments/microneedling/"
FILE = "treatments/microneedling/benefits.yaml"
OLD = "Collagen is a protein"
PATHS = ["/", PAGE, "/assets/site.css", "/sitemap.xml", "/missing.html", "/../content/site.yaml", "/" + "a" * 300]


def word(n: int) -> str:
    """Return n spelled in letters (claims with digits need locators)."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[r] + letters
        if n == 0:
            return letters


def intervals(saves: int, seconds: float, rng: random.Random) -> list[float]:
    """Return save intervals in 0.1-2 s whose mean is seconds/saves (an exponential tail above 0.1 s)."""
    mean = seconds / saves
    return [min(2.0, 0.1 + rng.expovariate(1 / max(mean - 0.1, 0.01))) for _ in range(saves)]


def requester(port: int, stop: threading.Event, statuses: Counter[int], seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", rng.choice(PATHS))
            statuses[connection.getresponse().status] += 1
        except OSError:
            statuses[0] += 1  # no answer at all
        finally:
            connection.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def session(root: Path, saves: int, seconds: float, seed: int) -> dict[str, object]:
    """Run one session in root and return its figures."""
    shutil.copytree(PROJECT / "content", root / "content")
    benefits, site = root / "content" / FILE, root / "content/site.yaml"
    good, good_site = benefits.read_text(), site.read_text()
    port = 18000 + seed % 1000
    command = [sys.executable, str(PROJECT / "build.py"), "serve", "--port", str(port), "--today", "2026-11-22"]
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    rng, stop, statuses = random.Random(seed), threading.Event(), Counter[int]()
    try:
        time.sleep(3)
        threads = [threading.Thread(target=requester, args=(port, stop, statuses, seed + i)) for i in range(4)]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            tab = browser.new_page()
            tab.goto(f"http://127.0.0.1:{port}{PAGE}")
            for thread in threads:
                thread.start()
            started = time.monotonic()
            marker, name = "", "unchanged"
            for n, pause in enumerate(intervals(saves, seconds, rng)):
                time.sleep(pause)
                roll = rng.random()
                if roll < 0.05 and n < saves - 1:  # a break: the browser lists it, the last good site stays
                    benefits.write_text(good.replace("cite:", "cites:", 1))
                    continue
                if roll < 0.2:
                    name = f"Soak clinic {word(n)}"
                    site.write_text(good_site.replace("name: ", f"name: {name} ", 1))
                marker = f"Soak {word(n)} collagen is a protein"
                benefits.write_text(good.replace(OLD, marker, 1))
            last_save, session_seconds = time.monotonic(), time.monotonic() - started
            shown_after = None
            while time.monotonic() - last_save < 30:
                try:
                    text = str(tab.evaluate("document.body ? document.body.innerText : ''"))
                except Error:
                    text = ""
                if marker in text and (name == "unchanged" or name in text):
                    shown_after = time.monotonic() - last_save
                    break
                time.sleep(0.05)
            browser.close()
        stop.set()
        for thread in threads:
            thread.join()
        time.sleep(1.5)  # the last rebuild's swap
        fresh = root / "fresh"
        pipeline.build(root / "content", fresh, today=datetime.date(2026, 11, 22))
        same = snapshot(root / "site") == snapshot(fresh)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
    text = (root / "serve.log").read_text()
    return {
        "saves": saves,
        "session_s": round(session_seconds, 1),
        "rebuilds": text.count("rebuilt in"),
        "rebuilds_with_errors_shown": text.count("not rebuilt"),
        "requests": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(v for k, v in statuses.items() if k >= 500),
        "no_answer": statuses[0],
        "tracebacks": text.count("Traceback"),
        "tab_shows_last_save_after_s": None if shown_after is None else round(shown_after, 2),
        "disk_equals_fresh_build": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps(session(Path(scratch), args.saves, args.seconds, args.seed), indent=2))


if __name__ == "__main__":
    main()
