"""The preview server over a real socket: HEAD, odd requests, hosts, origins, descriptors, usage errors (issue 19)."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinicsite.serve import PreviewServer
from tests.conftest import run_cli
from tests.serving import PAGE, Served, free_port, get, serving, slow_layouts, wait_for


def exchange(served: Served, request: bytes, timeout: float = 10) -> bytes:
    """Send raw request bytes and return every byte the server sends before it closes."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def head_and_body(reply: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = reply.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(tmp_path_factory.mktemp("served")) as running:
        yield running
        assert "Traceback" not in running.log


def host(served: Served) -> bytes:
    return f"Host: 127.0.0.1:{served.port}\r\n".encode()


def test_head_is_answered_with_the_gets_length_and_no_body(served: Served) -> None:
    """HEAD once got an empty reply (tornado: "Tried to write more data than Content-Length")."""
    status, fields, body = head_and_body(exchange(served, b"HEAD " + PAGE.encode() + b" HTTP/1.1\r\n" + host(served) + b"\r\n"))
    _, _, got = head_and_body(exchange(served, b"GET " + PAGE.encode() + b" HTTP/1.1\r\n" + host(served) + b"\r\n"))
    assert status.endswith("200 OK") and body == b""
    assert int(fields["content-length"]) == len(got) and b"Sample treatment" in got


@pytest.mark.parametrize("path", ["/" + "a" * 300, "/" + "a" * 300 + "/b", "/%ff", "/" + "%2e%2e/" * 40 + "etc/passwd"])
def test_long_and_odd_paths_are_404_without_a_traceback(served: Served, path: str) -> None:
    """A 300-character segment once gave a 500 and "OSError: File name too long"."""
    status, _, _ = head_and_body(exchange(served, f"GET {path} HTTP/1.1\r\n".encode() + host(served) + b"\r\n"))
    assert status.endswith("404 Not Found")
    assert "Traceback" not in served.log


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:8000", "null"])
def test_a_websocket_handshake_is_refused_whatever_its_origin(served: Served, origin: str) -> None:
    """livereload's websocket accepted any origin and told it every edited file's path; there is no websocket now."""
    request = (
        b"GET /livereload HTTP/1.1\r\n" + host(served) + b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: " + origin.encode() + b"\r\n\r\n"
    )
    status, _, body = head_and_body(exchange(served, request))
    assert status.endswith("404 Not Found") and b"sample-treatment" not in body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "400"),  # a TLS hello
        (b"GET / HTTP/1.1\r\n\r\n", "421"),  # no Host
        (b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", "421"),
        (b"GET /.preview/wait?epoch=1 HTTP/1.1\r\nHOST\r\nOrigin: https://evil.example\r\n\r\n", "421"),
        (b"BREW / HTTP/1.1\r\n\r\n", "501"),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", "414"),
    ],
)
def test_malformed_requests_get_a_status_and_no_traceback(served: Served, request_bytes: bytes, status: str) -> None:
    assert head_and_body(exchange(served, request_bytes))[0].split()[1] == status
    assert "Traceback" not in served.log and served.proc.poll() is None


def test_a_cross_origin_wait_is_refused_over_the_socket(served: Served) -> None:
    request = f"GET /.preview/wait?epoch=1 HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\nOrigin: https://evil.example\r\nSec-Fetch-Site: cross-site\r\n\r\n"
    assert head_and_body(exchange(served, request.encode()))[0].endswith("403 Forbidden")


def test_300_idle_connections_under_a_256_descriptor_limit_neither_stop_it_nor_flood_the_log(tmp_path: Path) -> None:
    """With `ulimit -n 256` (macOS's default) and 300 idle connections, livereload stopped answering and logged ~15 MB/s."""
    with serving(tmp_path, files=256) as running:
        idle = []
        try:
            for _ in range(300):
                idle.append(socket.create_connection(("127.0.0.1", running.port), timeout=5))
            assert wait_for(lambda: get(running.url + PAGE, timeout=2) is not None, time.monotonic() + 30)  # while they are still open
        finally:
            for s in idle:
                s.close()
        assert get(running.url + PAGE) is not None
        assert running.proc.poll() is None
        assert len(running.log) < 2000 and "Traceback" not in running.log, running.log[-2000:]


def test_requests_are_answered_from_the_last_site_while_a_long_rebuild_runs(tmp_path: Path) -> None:
    """A 15 s rebuild once held requests for 12.6 s: rebuilds ran on the server's only thread."""
    layouts = slow_layouts(tmp_path, 6_000_000)
    with serving(tmp_path, "--layouts", str(layouts)) as running:
        site = running.root / "content/site.yaml"
        site.write_text(site.read_text().replace("name: ", "name: Renamed ", 1))
        assert wait_for(lambda: running.log.count("rebuilt in") == 1 and running.proc.poll() is None, time.monotonic() + 5)
        time.sleep(0.5)  # past the quiet period: the rebuild has started
        page = get(running.url + PAGE, timeout=30)
        rebuilds_when_answered = running.log.count("rebuilt in")
        assert page is not None and "Renamed" not in page  # the last good site
        assert rebuilds_when_answered == 1, running.log  # answered before the rebuild finished
        assert wait_for(lambda: "Renamed" in (get(running.url + PAGE) or ""), time.monotonic() + 60)


def test_usage_errors_exit_2_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A port in use or a bad --host was an "internal error"; --port 70000 listened on 4464."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = run_cli("serve", "--port", port)
        assert result.code == 2 and f"cannot listen on 127.0.0.1 port {port}" in result.err and "internal error" not in result.err
    result = run_cli("serve", "--host", "no-such-host.invalid", "--port", str(free_port()))
    assert result.code == 2 and "cannot listen on no-such-host.invalid" in result.err
    for bad in ("70000", "-1", "http"):
        assert run_cli("serve", "--port", bad).code == 2
        assert f"'{bad}' is not a port" in capsys.readouterr().err  # argparse prints to sys.stderr
    assert not (tmp_path / "site").exists()


def flood(port: int, stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")


def test_sigterm_during_a_flood_of_connections_stops_it_cleanly(tmp_path: Path) -> None:
    """A SIGTERM that landed while a connection's thread was starting was once swallowed: serve ran on, orphaned."""
    for attempt in range(3):
        with serving(tmp_path / str(attempt)) as running:
            stop = threading.Event()

            threads = [threading.Thread(target=flood, args=(running.port, stop)) for _ in range(4)]
            for thread in threads:
                thread.start()
            time.sleep(0.5)
            running.proc.terminate()
            try:
                assert running.proc.wait(timeout=30) == 0, running.log
            finally:
                stop.set()
                for thread in threads:
                    thread.join()
        assert "Traceback" not in running.log and "Semaphore" not in running.log, running.log


def test_an_interrupt_while_a_connection_thread_starts_is_raised_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The slot was given back twice (thread and handler): the ValueError replaced the KeyboardInterrupt, so serve ran on."""
    server = PreviewServer(("127.0.0.1", 0), socket.AF_INET, 4, io.StringIO())
    start = threading.Thread.start

    def start_then_interrupt(thread: threading.Thread) -> None:
        start(thread)
        thread.join()  # the connection is answered and its slot given back before the signal lands
        raise KeyboardInterrupt

    ours, theirs = socket.socketpair()
    try:
        monkeypatch.setattr(threading.Thread, "start", start_then_interrupt)
        with pytest.raises(KeyboardInterrupt):
            server.process_request(ours, ("127.0.0.1", 1))
        monkeypatch.undo()
        assert [server.slots.acquire(blocking=False) for _ in range(5)] == [True] * 4 + [False]  # every slot back, once
    finally:
        theirs.close()
        server.server_close()
