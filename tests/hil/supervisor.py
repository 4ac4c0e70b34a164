"""A stand-in for systemd running the service: Type=notify, WatchdogSec, Restart=on-failure.

It follows packaging/systemd/tvemicro.service: the child gets a NOTIFY_SOCKET datagram socket;
READY=1 marks it started; once started, WATCHDOG=1 pings must come every WatchdogSec or it is sent
the watchdog signal (SIGABRT, with SIGCONT so a stopped process gets it) and SIGKILL after
TimeoutStopSec; a child that dies of a signal or exits non-zero is started again after RestartSec.
`restart()` is `systemctl restart`: SIGTERM (+SIGCONT), SIGKILL after TimeoutStopSec, start again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

UNIT = Path(__file__).resolve().parents[2] / "packaging" / "systemd" / "tvemicro.service"
POLL_S = 0.05


@dataclass(frozen=True)
class UnitTiming:
    """The [Service] times the drills follow, in seconds."""

    watchdog_s: float
    restart_s: float
    stop_timeout_s: float


def _seconds(value: str) -> float:
    """A systemd time span as the unit writes them here: '5', '5s', '500ms'."""
    value = value.strip()
    if value.endswith("ms"):
        return float(value[:-2]) / 1000
    return float(value.removesuffix("s"))


def read_unit(path: Path = UNIT) -> UnitTiming:
    """WatchdogSec, RestartSec and TimeoutStopSec of the unit's [Service] section."""
    section, found = "", {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found[key.strip()] = value
    missing = {"WatchdogSec", "RestartSec", "TimeoutStopSec"} - set(found)
    if missing:
        raise ValueError(f"{path}: [Service] has no {', '.join(sorted(missing))}")
    return UnitTiming(
        _seconds(found["WatchdogSec"]),
        _seconds(found["RestartSec"]),
        _seconds(found["TimeoutStopSec"]),
    )


@dataclass(frozen=True)
class Event:
    """Something the supervisor did or saw: spawn, ready, watchdog, exit, restart."""

    t_s: float  # time.monotonic()
    what: str
    pid: int
    detail: str = ""


class Supervisor:
    """Runs `argv` as the service until `close()`; every event is kept in `events`."""

    def __init__(
        self, argv: Sequence[str], env: dict[str, str], timing: UnitTiming, run_dir: Path
    ) -> None:
        self.argv, self.timing, self.run_dir = list(argv), timing, run_dir
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self._sock_path = run_dir / "notify.sock"
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self._sock_path))
        self._sock.settimeout(POLL_S)
        self._env = {**env, "NOTIFY_SOCKET": str(self._sock_path)}
        self._closing = threading.Event()
        self._requested: set[int] = set()  # pids stopped on request (restart, close)
        self._reaped: set[int] = set()  # pids whose exit was handled
        self._stderr: dict[int, Path] = {}
        self.child = self._spawn()
        self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)
        self._thread.start()

    # --- what the drills use ----------------------------------------------------------------
    def pid(self) -> int:
        with self._lock:
            return self.child.pid

    def stderr_of(self, pid: int) -> Path:
        """The child's stderr (its JSON log, and the REST server's address)."""
        return self._stderr[pid]

    def last(self, what: str, after_s: float = 0.0) -> Event | None:
        with self._lock:
            hits = [e for e in self.events if e.what == what and e.t_s >= after_s]
        return hits[-1] if hits else None

    def first(self, what: str, after_s: float = 0.0) -> Event | None:
        with self._lock:
            hits = [e for e in self.events if e.what == what and e.t_s >= after_s]
        return hits[0] if hits else None

    def wait_for(self, what: str, after_s: float, timeout_s: float) -> Event | None:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            found = self.first(what, after_s)
            if found is not None:
                return found
            time.sleep(POLL_S)
        return None

    def restart(self) -> None:
        """`systemctl restart`: stop the child the way systemd stops it, then start it again."""
        with self._lock:
            child = self.child
            self._requested.add(child.pid)
            self._note("restart", child.pid)
        self._stop(child, signal.SIGTERM)
        with self._lock:
            self.child = self._spawn()

    def close(self) -> None:
        """`systemctl stop`: SIGTERM, SIGKILL after TimeoutStopSec; no restart."""
        with self._lock:
            self._requested.add(self.child.pid)
        self._closing.set()
        self._thread.join()
        self._stop(self.child, signal.SIGTERM)
        self._sock.close()
        self._sock_path.unlink(missing_ok=True)

    # --- the service manager ----------------------------------------------------------------
    def _spawn(self) -> subprocess.Popen[bytes]:
        """Under the lock (or before the thread runs)."""
        path = self.run_dir / f"spawn-{len(self._stderr) + 1}.err"
        with path.open("wb") as err:
            child = subprocess.Popen(
                self.argv, env=self._env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err, start_new_session=True,
            )  # fmt: skip
        self._stderr[child.pid] = path
        self._note("spawn", child.pid)
        self._ready, self._last_ping = False, time.monotonic()
        return child

    def _note(self, what: str, pid: int, detail: str = "") -> None:
        self.events.append(Event(time.monotonic(), what, pid, detail))

    def _loop(self) -> None:
        while not self._closing.is_set():
            self._receive()
            with self._lock:
                child = self.child
                code = child.poll()
                fresh = code is not None and child.pid not in self._reaped
                self._reaped.update([child.pid] if fresh else [])
                silent_s = time.monotonic() - self._last_ping
                overdue = code is None and self._ready and silent_s > self.timing.watchdog_s
                if overdue:
                    self._note("watchdog", child.pid, f"no WATCHDOG=1 for {silent_s:.1f} s")
            if fresh:
                self._on_exit(child, code or 0)
            elif overdue:
                self._stop(child, signal.SIGABRT)

    def _receive(self) -> None:
        try:
            data = self._sock.recv(4096)
        except TimeoutError:
            return
        with self._lock:
            for line in data.decode("utf-8", "replace").splitlines():
                if line == "READY=1":
                    self._ready, self._last_ping = True, time.monotonic()
                    self._note("ready", self.child.pid)
                elif line == "WATCHDOG=1":
                    self._last_ping = time.monotonic()

    def _on_exit(self, child: subprocess.Popen[bytes], code: int) -> None:
        """Restart=on-failure: a signal or a non-zero exit is restarted after RestartSec."""
        detail = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        with self._lock:
            self._note("exit", child.pid, detail)
            if code == 0 or child.pid in self._requested:
                return  # a clean exit is not restarted; a requested stop restarts by itself
        if self._closing.wait(self.timing.restart_s):
            return
        with self._lock:
            if self.child is child:
                self.child = self._spawn()

    def _stop(self, child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        """Send `sig` and SIGCONT (a stopped process must be able to act on it), then SIGKILL
        if it has not exited after TimeoutStopSec."""
        if child.poll() is not None:
            return
        os.kill(child.pid, sig)
        os.kill(child.pid, signal.SIGCONT)
        try:
            child.wait(self.timing.stop_timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
