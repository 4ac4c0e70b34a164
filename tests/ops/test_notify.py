"""The stdlib systemd notifier against real AF_UNIX datagram sockets: a path, an abstract name."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ops.notify import Notifier, ServiceNotes, socket_address
from tests.logcapture import capture_log


@pytest.fixture
def path_socket(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = str(tmp_path / "notify")
    sock.bind(name)
    sock.settimeout(5)
    yield name, sock
    sock.close()


@pytest.fixture
def abstract_socket() -> Iterator[tuple[str, socket.socket]]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    tag = f"tvemicro-test-{uuid.uuid4().hex}"
    sock.bind("\0" + tag)
    sock.settimeout(5)
    yield "@" + tag, sock
    sock.close()


@pytest.mark.parametrize("which", ["path_socket", "abstract_socket"])
def test_messages_arrive_on_the_socket(which: str, request: pytest.FixtureRequest) -> None:
    name, sock = request.getfixturevalue(which)
    notifier = Notifier(name)
    assert notifier.notify("READY=1")
    assert notifier.notify("STOPPING=1")
    assert sock.recv(100) == b"READY=1"
    assert sock.recv(100) == b"STOPPING=1"


def test_abstract_name_maps_to_a_leading_nul() -> None:
    assert socket_address("@abc") == "\0abc"
    assert socket_address("/run/systemd/notify") == "/run/systemd/notify"
    with pytest.raises(OSError):
        socket_address("vsock:1:2")


def test_without_notify_socket_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = Notifier()
    assert not notifier.enabled
    assert notifier.notify("READY=1") is False


def test_environment_is_read(
    monkeypatch: pytest.MonkeyPatch, path_socket: tuple[str, socket.socket]
) -> None:
    name, sock = path_socket
    monkeypatch.setenv("NOTIFY_SOCKET", name)
    assert Notifier().notify("WATCHDOG=1")
    assert sock.recv(100) == b"WATCHDOG=1"


def test_a_failure_is_logged_once_per_streak_then_recovers(tmp_path: Path) -> None:
    name = str(tmp_path / "later")
    notifier = Notifier(name)
    with capture_log("info") as logs:
        assert notifier.notify("WATCHDOG=1") is False
        assert notifier.notify("WATCHDOG=1") is False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(name)
        try:
            assert notifier.notify("WATCHDOG=1")
            assert sock.recv(100) == b"WATCHDOG=1"
        finally:
            sock.close()
            os.unlink(name)
        assert notifier.notify("WATCHDOG=1") is False
    failures = logs.events("systemd_notify_failed")
    assert len(failures) == 2
    assert failures[0]["level"] == "warning" and failures[0]["socket"] == name


def test_unsupported_socket_is_logged_not_raised() -> None:
    with capture_log("info") as logs:
        assert Notifier("relative/name").notify("READY=1") is False
    assert logs.events("systemd_notify_failed")


class FakeNotifier(Notifier):
    def __init__(self) -> None:
        super().__init__("/nowhere")
        self.sent: list[str] = []

    def notify(self, message: str) -> bool:
        self.sent.append(message)
        return True


def test_ready_only_after_the_first_tick_and_pings_are_rate_limited() -> None:
    clock = [100.0]
    fake = FakeNotifier()
    notes = ServiceNotes(fake, ping_s=1.0, now=lambda: clock[0])
    ticker = threading.Thread(target=notes.on_tick)
    assert fake.sent == []
    ticker.start()
    assert notes.ready(lambda: True)
    ticker.join()
    assert fake.sent == ["WATCHDOG=1", "READY=1"]
    clock[0] += 0.5
    notes.on_tick()
    clock[0] += 0.6
    notes.on_tick()
    notes.stopping()
    assert fake.sent == ["WATCHDOG=1", "READY=1", "WATCHDOG=1", "STOPPING=1"]


def test_no_ready_when_the_loop_dies_before_ticking() -> None:
    fake = FakeNotifier()
    assert ServiceNotes(fake).ready(lambda: False) is False
    assert fake.sent == []


def test_tvemicro_run_tells_systemd_ready_watchdog_stopping(
    tmp_path: Path, path_socket: tuple[str, socket.socket]
) -> None:
    """The real process under a NOTIFY_SOCKET, as systemd starts it (Type=notify)."""
    import subprocess
    import sys

    name, sock = path_socket
    env = {**os.environ, "NOTIFY_SOCKET": name, "PYTHONPATH": str(Path.cwd())}
    cmd = [sys.executable, "-m", "app.cli", "run", "--sim", "--headless", "--no-api"]
    cmd += ["--duration-s", "1.5", "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    sock.settimeout(0.5)
    seen: list[bytes] = []
    while True:
        try:
            seen.append(sock.recv(100))
        except TimeoutError:
            break
    assert b"READY=1" in seen and b"STOPPING=1" in seen
    assert seen.index(b"READY=1") < seen.index(b"STOPPING=1")
    assert seen[-1] == b"STOPPING=1"
    assert b"WATCHDOG=1" in seen
