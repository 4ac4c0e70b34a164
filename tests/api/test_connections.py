"""Connection bounds on the real server thread: request deadline, keep-alive, cap, bad framing.

Raw sockets against `start_api` (the production site), with the timeouts shortened through the
config; every wait is bounded by a socket timeout, nothing asserts how long anything took."""

from __future__ import annotations

import asyncio
import errno
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.api.protocol import Connections, accept_error_handler, connection_cap
from app.api.server import ApiHandle, start_api
from app.services.machine import build_machine
from app.storage.tokens import TokenStore
from tests.api.live import LiveServer
from tests.logcapture import LogCapture, capture_log
from tests.support import config_with

BOUND_S = 15.0  # "eventually": far above every shortened timeout, far below "forever"
OPENAPI = b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: t\r\n\r\n"  # 200 without the core


@dataclass
class Served:
    handle: ApiHandle
    token: str  # operator


Serve = Callable[..., Served]


@pytest.fixture
def log() -> Iterator[LogCapture]:
    """The app's log lines at every level, captured in-process."""
    with capture_log("debug") as cap:
        yield cap


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """serve(**api_keys) → a running server (its core is not ticking: /health is 503)."""
    made: list[tuple[Any, ApiHandle]] = []

    def start(**api: Any) -> Served:
        cfg = config_with(**{f"api.{key}": value for key, value in api.items()})
        data_dir = tmp_path / f"d{len(made)}"
        machine = build_machine(cfg, "sim", virtual=True, data_dir=data_dir)
        handle = start_api(machine, "127.0.0.1", 0)
        made.append((machine, handle))
        return Served(handle, TokenStore(data_dir).create("operator", "t")[0])

    yield start
    for machine, handle in made:
        handle.stop()
        machine.close()


def _connect(served: Served) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.handle.port), timeout=BOUND_S)
    sock.settimeout(BOUND_S)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; raises TimeoutError if it never does."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def _response(raw: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def _put(served: Served, body: bytes, *extra: str) -> bytes:
    lines = ["PUT /api/v1/zones/barrel HTTP/1.1", "Host: t",
             f"Authorization: Bearer {served.token}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", *extra]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.mark.parametrize(
    "partial",
    [
        b"GET /hea",  # half a request line
        b"GET /health HTTP/1.1\r\nHost: t\r\n",  # headers never finished
    ],
)
def test_a_half_sent_request_is_dropped(serve: Serve, partial: bytes) -> None:
    srv = serve(request_timeout_s=0.3, keepalive_timeout_s=300)  # only the deadline can act
    with _connect(srv) as sock:
        sock.sendall(partial)
        assert _read_until_closed(sock) == b""


def test_a_half_sent_body_is_dropped_without_a_traceback(
    serve: Serve, capfd: pytest.CaptureFixture[str], log: LogCapture
) -> None:
    srv = serve(request_timeout_s=0.3, keepalive_timeout_s=300)
    with _connect(srv) as sock:
        sock.sendall(_put(srv, b'{"setpoint_c": 190}')[:-8])
        assert _read_until_closed(sock) == b""
    srv.handle.stop()
    err = capfd.readouterr().err + log.text()
    assert log.events("http_request_timeout")
    assert "Traceback" not in err and "http_internal_error" not in err


def test_a_trickled_request_is_dropped_too(serve: Serve) -> None:
    """Slowloris: a byte at a time keeps no connection alive past the deadline."""
    srv = serve(request_timeout_s=0.3, keepalive_timeout_s=300)
    with _connect(srv) as sock:
        sock.settimeout(0.05)
        for byte in b"GET /health HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 5000:
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1) == b"":
                    return  # closed by the server
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                return
    pytest.fail("the server kept a trickling client for 5000 bytes")


def test_a_request_that_arrives_in_pieces_in_time_is_answered(serve: Serve) -> None:
    srv = serve(request_timeout_s=5)
    with _connect(srv) as sock:
        raw = _put(srv, b'{"bogus": 1}', "Connection: close")
        sock.sendall(raw[:20])
        sock.sendall(raw[20:-5])
        sock.sendall(raw[-5:])
        status, _, body = _response(_read_until_closed(sock))
    assert status == 422 and body["error"]["field"] == "bogus"


def test_an_idle_keep_alive_connection_is_closed(serve: Serve) -> None:
    srv = serve(request_timeout_s=300, keepalive_timeout_s=0.3)  # only keep-alive can act
    with _connect(srv) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        status, headers, _ = _response(_read_until_closed(sock))
    assert status in (200, 503) and headers.get("connection", "").lower() != "close"


def test_a_keep_alive_connection_serves_request_after_request(serve: Serve) -> None:
    srv = serve(request_timeout_s=1, keepalive_timeout_s=300)
    with _connect(srv) as sock:
        for _ in range(3):
            sock.sendall(OPENAPI)
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1)
            length = int(_response(head)[1]["content-length"])
            body = b""
            while len(body) < length:
                body += sock.recv(length - len(body))
            assert json.loads(body)["openapi"].startswith("3.")


def test_oversized_headers_are_a_4xx_envelope_without_a_traceback(
    serve: Serve, capfd: pytest.CaptureFixture[str], log: LogCapture
) -> None:
    srv = serve()
    with _connect(srv) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        status, headers, body = _response(_read_until_closed(sock))
    assert 400 <= status < 500
    assert body["error"]["code"] == "bad_request" and headers["x-request-id"]
    srv.handle.stop()
    err = capfd.readouterr().err + log.text()
    assert log.events("http_bad_request") and "Traceback" not in err


def test_an_undecodable_body_logs_no_traceback(
    serve: Serve, capfd: pytest.CaptureFixture[str], log: LogCapture
) -> None:
    srv = serve()
    with _connect(srv) as sock:
        sock.sendall(_put(srv, b'{"setpoint_c": 190}', "Content-Encoding: gzip"))
        status, _, body = _response(_read_until_closed(sock))
    assert status == 400 and body["error"]["code"] == "bad_request"
    srv.handle.stop()
    assert "Traceback" not in capfd.readouterr().err + log.text()


def test_connections_over_the_cap_get_503_and_one_log_line(
    serve: Serve, capfd: pytest.CaptureFixture[str], log: LogCapture
) -> None:
    srv = serve(max_connections=2)
    held = [_connect(srv), _connect(srv)]
    for sock in held:  # both are served
        sock.sendall(OPENAPI)
        assert sock.recv(12) == b"HTTP/1.1 200"
    for _ in range(5):
        with _connect(srv) as extra:
            status, headers, body = _response(_read_until_closed(extra))
            assert status == 503 and body["error"]["code"] == "busy" and headers["retry-after"]
    held.pop().close()
    with _connect(srv) as sock:  # a slot is free again (the close is seen asynchronously)
        for _ in range(50):
            sock.sendall(OPENAPI.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
            if _response(_read_until_closed(sock))[0] == 200:
                break
            sock.close()
            sock = _connect(srv)
        else:
            pytest.fail("no connection was accepted after one closed")
    held.pop().close()
    srv.handle.stop()
    err = capfd.readouterr().err + log.text()
    assert len(log.events("http_refusing")) == 1 and "Traceback" not in err


def test_the_cap_leaves_descriptors_for_storage() -> None:
    assert connection_cap(128, soft_nofile=1024) == 128
    assert connection_cap(128, soft_nofile=100) == 100 - 64
    assert connection_cap(128, soft_nofile=10) == 1


def test_accept_at_the_fd_limit_is_one_warning_per_burst(log: LogCapture) -> None:
    conns = Connections(config_with().api, cap=10)
    handler = accept_error_handler(conns)
    loop = asyncio.new_event_loop()
    try:
        for _ in range(50):
            exc = OSError(errno.EMFILE, "Too many open files")
            handler(loop, {"message": "socket.accept() out of system resource", "exception": exc})
        conns.accepted()
        handler(loop, {"message": "again", "exception": OSError(errno.ENFILE, "table full")})
    finally:
        loop.close()
    events = [(ln["event"], ln["level"]) for ln in log.lines if ln["event"].startswith("http_")]
    assert events == [
        ("http_refusing", "warning"),
        ("http_accepting", "info"),
        ("http_refusing", "warning"),
    ]


def _take_connection(url: str) -> tuple[socket.socket, bool]:
    """A new keep-alive connection with one request answered: (socket, served?)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=BOUND_S)
    sock.settimeout(BOUND_S)
    try:
        sock.sendall(OPENAPI)
        return sock, sock.recv(12) == b"HTTP/1.1 200"
    except (ConnectionResetError, BrokenPipeError, TimeoutError):
        return sock, False


@pytest.mark.timeout(300)
def test_at_the_fd_limit_new_connections_are_refused_quietly(tmp_path: Path) -> None:
    """A real process with RLIMIT_NOFILE 100: connections are refused before storage starves;
    after they close the server answers again, and commands still persist."""
    live = LiveServer(tmp_path, nofile=100)
    held: list[socket.socket] = []
    try:
        for _ in range(300):
            sock, served = _take_connection(live.url)
            held.append(sock)
            if not served:
                break
        else:
            pytest.fail("300 connections and none refused")
        assert len(held) > 10, "the cap should leave room for a few clients"
        for sock in held:
            sock.close()
        live._wait_healthy()  # bounded wait until /health answers 200 again
        assert live.request("PUT", "/api/v1/zones/barrel", {"setpoint_c": 190})[0] == 200
    finally:
        for sock in held:
            sock.close()
        code = live.stop()
    err = live.stderr_text()
    assert code == 0, err[-2000:]
    assert "Traceback" not in err, err[-3000:]
    assert err.count("http_refusing") == 1
