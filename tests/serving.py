"""Running `build.py serve` for tests: a subprocess on 127.0.0.1 that is always stopped."""

from __future__ import annotations

import contextlib
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.generate import generate
from clinicsite import pipeline
from tests.conftest import FIXTURES, PROJECT, TODAY

PAGE = "/treatments/sample-treatment/"


@dataclass(frozen=True)
class Served:
    """A running preview: its scratch folder (content/, site/, serve.log), port and process."""

    root: Path
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return (self.root / "serve.log").read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slow_layouts(root: Path, iterations: int) -> Path:
    """Return a copy of the layouts whose every page spends `iterations` empty loop turns rendering (a long rebuild)."""
    layouts = root / "layouts"
    shutil.copytree(pipeline.DEFAULT_LAYOUTS, layouts)
    base = layouts / "base.html"
    loop = "{% for _ in range(" + str(iterations) + ") %}{% endfor %}"
    base.write_text(base.read_text().replace("<body>", "<body>" + loop, 1))
    return layouts


def big_content(root: Path, treatments: int) -> Path:
    """Return a generated content folder of many treatments (bench.generate)."""
    return generate(root, treatments, TODAY)


@contextlib.contextmanager
def serving(root: Path, *args: str, files: int | None = None, content: Path | None = None) -> Iterator[Served]:
    """Run serve over root/content (the valid fixture unless content is given) until the block ends; files: a descriptor limit."""
    root.mkdir(parents=True, exist_ok=True)
    if content is None:
        shutil.copytree(FIXTURES / "valid" / "content", root / "content")
    port = free_port()

    def limit() -> None:
        if files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    command = [sys.executable, str(PROJECT / "build.py"), "serve", "--port", str(port), "--today", TODAY.isoformat(), *args]
    if content is not None:
        command += ["--content", str(content)]
    with (root / "serve.log").open("w") as log:
        proc = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT, preexec_fn=limit)
        try:
            served = Served(root, port, proc)
            assert wait_for(lambda: get(served.url + "/") is not None, time.monotonic() + 60), served.log
            yield served
        finally:
            proc.terminate()
            try:
                assert proc.wait(timeout=60) == 0, "serve did not stop cleanly on SIGTERM"
            finally:
                if proc.poll() is None:  # never left running after the test
                    proc.kill()
                    proc.wait()


def get(url: str, timeout: float = 10) -> str | None:
    """Return the body at url, or None when it cannot be fetched (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return str(response.read().decode())
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response open: left to the collector, a ResourceWarning
        return None
    except OSError:
        return None


def wait_for(predicate: Callable[[], bool], deadline: float, step: float = 0.05) -> bool:
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
