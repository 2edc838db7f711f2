"""`council serve` as a real process: its access log on stdout, and real sockets from slow or hostile clients."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from delivery_support import free_port
from feed_seed import seed_year
from sqlalchemy.engine import Engine
from sqlmodel import Session

from council.feeds.config import FeedConfig
from council.feeds.publish import publish_feeds
from council.feeds.tokens import create_token

TODAY = date(2026, 4, 1)
PUBLISHED = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
COUNCIL_BIN = Path(sys.executable).with_name("council")
HALF_REQUEST = b"GET /feeds/council.ics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"


@dataclass
class Served:
    url: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]


@pytest.fixture
def published(sqlite_engine: Engine, council_home: Path) -> str:
    """A published year in the council_home SQLite database; returns a token of the private feed org-062014."""
    with Session(sqlite_engine) as session:
        seed_year(session)
        publish_feeds(
            session,
            today=TODAY,
            now=PUBLISHED,
            wall_clock=PUBLISHED,
            config=FeedConfig(),
            feeds_dir=council_home / "feeds",
        )
        issued = create_token(session, feed="org-062014", label="山形市", now=PUBLISHED, config=FeedConfig(), actor="t")
        session.commit()
    return issued.secret


@contextmanager
def council_serve(tmp_path: Path, *options: str) -> Iterator[Served]:
    """`council serve` on a free port, stdout and stderr into a file, until it answers GET /feeds/."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(COUNCIL_BIN), "serve", "--port", str(port), "--refresh", "0", *options],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            try:
                if httpx.get(f"{url}/feeds/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "council serve did not start"
            time.sleep(0.2)
        yield Served(url, port, log, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# ---------------------------------------------------------------------------------------------------- access log


def test_no_token_reaches_the_access_log_in_any_spelling(published: str, tmp_path: Path) -> None:
    secret = published
    encoded_secret = "".join(f"%{byte:02X}" for byte in secret.encode())
    queries = [
        f"token={secret}",
        f"%74oken={secret}",  # 'token' percent-encoded: the same parameter once decoded
        f"tok%65n={secret}",
        f"%74%6F%6B%65%6E={secret}",
        f"token={encoded_secret}",
        f"a=1&token={secret}",
        f"token={secret}&token={secret}",
    ]
    with council_serve(tmp_path) as served:
        for query in queries:
            response = httpx.get(f"{served.url}/feeds/org-062014.ics?{query}", timeout=10)
            assert response.status_code == 200, query  # every spelling opens the feed …
        assert httpx.get(f"{served.url}/feeds/org-062014.ics", timeout=10).status_code == 404
    text = served.log.read_text(encoding="utf-8", errors="replace")
    # … and the log shows every request, but never the secret in any form.
    assert text.count('"GET /feeds/org-062014.ics HTTP/1.1" 200') == len(queries), text
    assert text.count('"GET /feeds/org-062014.ics HTTP/1.1" 404') == 1, text
    for spelling in (secret, encoded_secret, quote(secret), secret[:12]):
        assert spelling not in text
    assert "?" not in "".join(line for line in text.splitlines() if '"GET ' in line)


# ---------------------------------------------------------------------------------------------------- slow clients


def open_half_sent(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        client.sendall(HALF_REQUEST)
        sockets.append(client)
    return sockets


def wait_until_closed(sockets: list[socket.socket], timeout: float) -> tuple[float, dict[int, bytes]]:
    """Seconds until the server closed every socket (EOF or reset), and what each one received."""
    started = time.monotonic()
    selector = selectors.DefaultSelector()
    received: dict[int, bytes] = {}
    for client in sockets:
        client.setblocking(False)
        selector.register(client, selectors.EVENT_READ)
        received[client.fileno()] = b""
    open_ones = len(sockets)
    while open_ones:
        remaining = timeout - (time.monotonic() - started)
        assert remaining > 0, f"{open_ones} of {len(sockets)} connections still open after {timeout} s"
        for key, _ in selector.select(timeout=min(remaining, 1.0)):
            client = key.fileobj
            assert isinstance(client, socket.socket)
            try:
                chunk = client.recv(4096)
            except (ConnectionResetError, BlockingIOError) as error:
                if isinstance(error, BlockingIOError):
                    continue
                chunk = b""
            if chunk:
                received[client.fileno()] += chunk
                continue
            selector.unregister(client)
            open_ones -= 1
    selector.close()
    return time.monotonic() - started, received


def test_a_thousand_half_sent_requests_are_closed_within_the_header_timeout(published: str, tmp_path: Path) -> None:
    with council_serve(tmp_path, "--header-timeout", "3", "--max-connections", "2000") as served:
        sockets = open_half_sent(served.port, 1000)
        try:
            # Drip-feeding does not buy time: the head must be complete within the timeout, whatever arrives.
            for client in sockets[:100]:
                client.sendall(b"-")
            held = httpx.get(f"{served.url}/feeds/council.ics", timeout=10)
            assert held.status_code == 200  # the server answers while they are held
            elapsed, received = wait_until_closed(sockets, timeout=3 + 20)
        finally:
            for client in sockets:
                client.close()
        assert elapsed >= 1.5  # not closed at once: they had their time
        assert all(data.startswith(b"HTTP/1.1 408 Request Timeout\r\n") for data in received.values())
        assert len(received) == 1000
        after = httpx.get(f"{served.url}/feeds/council.ics", timeout=10)
        assert after.status_code == 200


def test_connections_beyond_the_limit_get_503_at_once_and_the_server_recovers(published: str, tmp_path: Path) -> None:
    with council_serve(tmp_path, "--header-timeout", "4", "--max-connections", "50") as served:
        sockets = open_half_sent(served.port, 50)
        try:
            extra = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            started = time.monotonic()
            data = b""
            while chunk := extra.recv(4096):
                data += chunk
            extra.close()
            assert data.startswith(b"HTTP/1.1 503 Service Unavailable")
            assert time.monotonic() - started < 3  # refused at once, not after the header timeout
            wait_until_closed(sockets, timeout=4 + 20)
        finally:
            for client in sockets:
                client.close()
        assert httpx.get(f"{served.url}/feeds/council.ics", timeout=10).status_code == 200


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(published: str, tmp_path: Path) -> None:
    with council_serve(tmp_path, "--keep-alive-timeout", "2", "--header-timeout", "30") as served:
        client = socket.create_connection(("127.0.0.1", served.port), timeout=30)
        client.sendall(b"GET /feeds/council.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        started = time.monotonic()
        data = b""
        while chunk := client.recv(65536):
            data += chunk
        client.close()
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"BEGIN:VCALENDAR" in data
    assert 1.5 <= time.monotonic() - started < 15


def test_a_request_head_too_large_gets_431(published: str, tmp_path: Path) -> None:
    with council_serve(tmp_path) as served:
        client = socket.create_connection(("127.0.0.1", served.port), timeout=30)
        client.sendall(b"GET /feeds/council.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        data = b""
        try:
            for _ in range(40):
                client.sendall(b"X-Padding: " + b"a" * 1000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while chunk := client.recv(4096):
                data += chunk
        except ConnectionResetError:
            pass
        client.close()
        assert data.startswith(b"HTTP/1.1 431")
        assert httpx.get(f"{served.url}/feeds/council.ics", timeout=10).status_code == 200


def test_bad_limits_are_one_line(published: str) -> None:
    result = subprocess.run(
        [str(COUNCIL_BIN), "serve", "--max-connections", "0"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --max-connections (COUNCIL_SERVE_MAX_CONNECTIONS) must be positive, not 0"
