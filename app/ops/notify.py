"""systemd notifications (READY=1, WATCHDOG=1, STOPPING=1) over $NOTIFY_SOCKET, stdlib only."""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from collections.abc import Callable

from app.services.logsetup import log


def socket_address(name: str) -> str:
    """$NOTIFY_SOCKET as socket.connect wants it: a path, or `@name` → an abstract "\\0name"."""
    if name.startswith("@"):
        return "\0" + name[1:]
    if name.startswith("/"):
        return name
    raise OSError(errno.EAFNOSUPPORT, f"unsupported NOTIFY_SOCKET {name!r}")


class Notifier:
    """After systemd's sd_notify example; a failure is logged once (per streak), never raised."""

    def __init__(self, name: str | None = None) -> None:
        self.name = os.environ.get("NOTIFY_SOCKET", "") if name is None else name
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._failing = False

    @property
    def enabled(self) -> bool:
        return bool(self.name)

    def notify(self, message: str) -> bool:
        """Send one message; True when systemd's socket took it (False without systemd)."""
        if not self.name:
            return False
        with self._lock:
            try:
                self._socket().sendall(message.encode())
            except OSError as err:
                self._failed(message, err)
                return False
        self._failing = False
        return True

    def _socket(self) -> socket.socket:
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            try:
                sock.connect(socket_address(self.name))
            except OSError:
                sock.close()
                raise
            self._sock = sock
        return self._sock

    def _failed(self, message: str, err: OSError) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if not self._failing:
            fields = {"message": message, "socket": self.name, "error": str(err)}
            log("systemd_notify_failed", "warning", **fields)
        self._failing = True


class ServiceNotes:
    """What `tvemicro run` tells systemd: READY=1 after the first good tick (so the REST server
    and the loop are both up), WATCHDOG=1 from the control thread, STOPPING=1 on the way out."""

    def __init__(
        self, notifier: Notifier, ping_s: float = 1.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.notifier = notifier
        self.ping_s = ping_s
        self.now = now
        self.first_tick = threading.Event()
        self._last_ping: float | None = None
        self._stopping = False

    def on_tick(self) -> None:
        """Called by the control thread after each completed tick."""
        self.first_tick.set()
        if self._stopping or not self.notifier.enabled:
            return
        now = self.now()
        if self._last_ping is None or now - self._last_ping >= self.ping_s:
            self._last_ping = now
            self.notifier.notify("WATCHDOG=1")

    def ready(self, loop_alive: Callable[[], bool]) -> bool:
        """Wait for the first tick, then READY=1; False (nothing sent) if the loop died first."""
        while not self.first_tick.wait(0.05):
            if not loop_alive():
                return False
        self.notifier.notify("READY=1")
        return True

    def stopping(self) -> None:
        """STOPPING=1; no more watchdog pings after it (TimeoutStopSec governs from here)."""
        self._stopping = True
        self.notifier.notify("STOPPING=1")
