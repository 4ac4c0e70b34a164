"""The persistence writer: one thread writes queued files in order, off the control tick."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from control import persist

log = logging.getLogger(__name__)

WriteFn = Callable[[Path, Any], None]
_Job = tuple[Path, Any, "Future[None]"]


def _write_atomic(path: Path, data: Any) -> None:
    persist.write_atomic(path, data)  # looked up per call, so tests may wrap persist


@dataclass(eq=False)
class WriteTicket:
    """One queued write. `future` is resolved by the writer (None, or the exception raised);
    `seen` is set by the control thread once it has taken the result into its alarms."""

    path: Path
    future: Future[None] = field(default_factory=Future)
    seen: bool = False

    @property
    def name(self) -> str:
        return self.path.name


class PersistWriter:
    """Writes files in the order they were submitted.

    `threaded=True` (the real-time machine): one daemon thread takes an unbounded FIFO, so a
    stalled SD card delays saves, never the control tick. `threaded=False` (virtual-clock runs:
    tests, `simulate`): the write runs inside `submit`, so every run is deterministic."""

    def __init__(self, write: WriteFn | None = None, *, threaded: bool = True) -> None:
        self._write = write or _write_atomic
        self.threaded = threaded
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, path: Path, data: Any) -> WriteTicket:
        """Queue `data` for `path` (a fresh structure the caller no longer changes)."""
        ticket = WriteTicket(path)
        with self._lock:
            inline = not self.threaded or self._closed
            if not inline:
                self._start()
                self._queue.put((path, data, ticket.future))
        if inline:  # closed: the process is exiting, write now rather than lose it
            self._do((path, data, ticket.future))
        return ticket

    def close(self, timeout_s: float = 10.0) -> bool:
        """Write what is queued, then stop the thread. False if it did not finish in time."""
        with self._lock:
            self._closed = True
            thread = self._thread
            if thread is None:
                return True
            self._queue.put(None)
        thread.join(timeout_s)
        if thread.is_alive():
            log.error("persistence writer still busy after %.1f s at shutdown", timeout_s)
            return False
        return True

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="persist", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            self._do(job)

    def _do(self, job: _Job) -> None:
        path, data, fut = job
        try:
            self._write(path, data)
        except Exception as err:  # never let the writer die: the caller alarms on the result
            fut.set_exception(err)
        else:
            fut.set_result(None)
